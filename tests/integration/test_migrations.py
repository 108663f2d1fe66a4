"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from marketplace.extensions import db
from marketplace.migrate import include_name


def _metadata():
    import traceability.models  # noqa: F401

    return db.metadata


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name, "compare_type": False})
        diff = compare_metadata(context, _metadata())
    assert diff == [], "a model changed without a migration (alembic revision --autogenerate)"
