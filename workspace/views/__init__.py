"""Workspace pages, one module per area: dashboard (commune and province), admin (province administration),
home (the cooperative's to-do)."""

from . import admin, dashboard, home, supply_import  # noqa: F401 — supply_import adds its page to dashboard.bp

BLUEPRINTS = (dashboard.bp, admin.bp, home.bp)
