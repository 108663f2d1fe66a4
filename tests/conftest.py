"""Test set-up shared by every suite.

Integration tests run twice: on a fresh SQLite file and on a fresh PostgreSQL database made for this
pytest process (so parallel runs never share data). Both are built by the real Alembic migrations.
Each test starts from empty tables (reference data — provinces, communes, banks, categories — stays).
"""

from __future__ import annotations

import contextvars
import os
import re
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from celery import _state as celery_state
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from marketplace import create_app
from marketplace.database import sqlite_begin_immediate
from marketplace.extensions import db, limiter
from marketplace.migrate import upgrade

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
PRESERVED_TABLES = {"provinces", "communes", "banks", "categories", "alembic_version"}
DATABASES = [d for d in os.environ.get("TEST_DATABASES", "sqlite,postgresql").split(",") if d]


class OcopClient(FlaskClient):
    """Test client that fills in the CSRF token of forms, as a browser would after loading the page."""

    _csrf: str | None = None

    def open(self, *args, **kwargs):
        """Each request runs in its own context (own app context, `g` and DB session), as in production,
        instead of reusing the app context the test holds open for its own database work."""
        self._end_test_transaction()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        self._end_test_transaction()
        return response

    @staticmethod
    def _end_test_transaction() -> None:
        """Commit the test's own work so the request sees it, and so the test's next read takes a
        fresh snapshot (SQLite in WAL mode keeps a reader on the snapshot its transaction began with)."""
        from flask import has_app_context

        if has_app_context():
            db.session.commit()

    def csrf_token(self) -> str:
        if self._csrf is None:
            page = self.get("/login").get_data(as_text=True)
            self._csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        return self._csrf

    def form_post(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)


def _create_pg_database() -> tuple[str, str]:
    name = f"ocop_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return name, f"{base}/{name}"


def _drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A migrated, empty database of each kind for this test session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'ocop.sqlite'}"
        upgrade(url)
        yield url
        return
    name, url = _create_pg_database()
    try:
        upgrade(url)
        yield url
    finally:
        create_engine(url).dispose()
        _drop_pg_database(name)


def make_test_app(database_url: str, instance_path, **overrides) -> Flask:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance_path),
        "MEDIA_ROOT": str(instance_path / "media"),
        "MAIL_DIR": str(instance_path / "mail"),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "CELERY_BROKER_URL": f"filesystem://{instance_path / 'broker'}",
        "CELERY_RESULT_BACKEND": f"db+sqlite:///{instance_path / 'results.sqlite'}",
        "PUBLIC_BASE_URL": "https://ocop.test",
        "SERVER_NAME": None,
        "REFERENCE_CACHE_SECONDS": 0,  # the chips too; tests/integration/test_chips_cache.py turns it on
        "PAGE_CACHE_SECONDS": 0,  # tests read what they just wrote; tests/integration/test_page_cache.py turns it on
        "DASHBOARD_CACHE_SECONDS": 0,  # the same for the commune dashboard's figures
        "SCAN_BUFFER_SECONDS": 0,  # scans written at once; tests/integration/test_scan_buffer.py turns it on
        "SEARCH_ANSWER_SECONDS": 0,  # tables are wiped between tests; tests/integration/test_search_answers.py turns it on
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = OcopClient
    return app


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory) -> Flask:
    return make_test_app(database_url, tmp_path_factory.mktemp("instance"))


@pytest.fixture(autouse=True)
def _clean_database(request) -> Iterator[None]:
    """Every test that uses the app starts with empty tables and fresh rate limits."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    sqlite_begin_immediate.set(False)  # the test's own reads must not hold SQLite's write lock
    with app.app_context():
        limiter.reset()
        yield
        db.session.remove()
        wipe_tables(app)


def wipe_tables(app: Flask) -> None:
    engine = db.engine
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")  # foreign_keys=OFF is a no-op inside BEGIN
            virtual = [
                r[0]
                for r in conn.execute(
                    text("SELECT name FROM sqlite_master WHERE type='table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
                )
            ]
        else:
            conn.exec_driver_sql("SET session_replication_role = replica")
            virtual = []
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in PRESERVED_TABLES:
                conn.execute(table.delete())
        for name in virtual:
            conn.exec_driver_sql(f'DELETE FROM "{name}"')
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


@pytest.fixture
def client(app) -> OcopClient:
    return app.test_client()


@pytest.fixture
def dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


@pytest.fixture
def keep_celery_app():
    """Building another app makes its Celery app the current and default one (shared tasks would then run in that
    app's context); the session app's comes back afterwards."""
    current, default = celery_state.get_current_app(), celery_state.default_app
    yield
    celery_state.set_default_app(default)
    celery_state._set_current_app(current)
