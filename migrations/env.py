"""Alembic environment: the URL and metadata come from the app, so migrations see every package's tables."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from marketplace import create_app
from marketplace.extensions import db
from marketplace.migrate import include_name


def _url() -> str:
    explicit = context.config.attributes.get("database_url")
    if explicit:
        return explicit
    app = create_app()
    return app.config["SQLALCHEMY_DATABASE_URI"]


def _metadata():
    import traceability.models  # noqa: F401 — register every table

    return db.metadata


def run_offline() -> None:
    context.configure(
        url=_url(), target_metadata=_metadata(), literal_binds=True, render_as_batch=True, include_name=include_name
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=_metadata(),
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
