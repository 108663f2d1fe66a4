"""Run Alembic programmatically (the Makefile and tests use it)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from .config import PROJECT_ROOT

# Tables and indexes that are not SQLAlchemy models: FTS5 search tables and their shadows, each dialect's own search
# indexes (`search_docs_*`, migration 0550), kombu/celery tables.
IGNORED_PREFIXES = ("search_", "kombu_", "celery_")


def include_name(name, type_, _parent_names) -> bool:
    """Alembic filter: leave tables and indexes that no model owns alone."""
    return not (type_ in ("table", "index") and name and name.startswith(IGNORED_PREFIXES))


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str | None = None) -> None:
    command.upgrade(alembic_config(database_url), "heads")
