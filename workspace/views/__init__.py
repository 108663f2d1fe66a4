"""Workspace pages, one module per area: dashboard (commune and province), admin (province administration),
home (the cooperative's to-do)."""

from . import admin, dashboard, home

BLUEPRINTS = (dashboard.bp, admin.bp, home.bp)
