"""Workspace pages, one module per area: dashboard (commune and province), admin (province administration)."""

from . import admin, dashboard

BLUEPRINTS = (dashboard.bp, admin.bp)
