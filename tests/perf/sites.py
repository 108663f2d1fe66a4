"""Seeded copies of the marketplace for benchmarks: a migrated SQLite file or a fresh PostgreSQL database with the
demo data, plenty of stock, buyers with API tokens, served by gunicorn with the harness's settings."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from flask import Flask
from sqlalchemy import create_engine, select

from marketplace import create_app
from marketplace.migrate import upgrade
from tests.factories.catalog import restock
from tests.perf.harness import gunicorn_server

# Rate limits would turn a benchmark into a measurement of 429 answers; everything else is as in production.
APP_SPEC = "marketplace:create_app({'RATELIMIT_ENABLED': False})"
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BENCH_BUYERS = 20


@dataclass
class Site:
    url: str
    env: dict[str, str]
    tokens: list[str] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    slugs: list[str] = field(default_factory=list)

    def app(self) -> Flask:
        return flask_app(self.env)


def site_env(instance: Path, database_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "bench-secret-key-not-for-production",
        "MEDIA_ROOT": str(instance / "media"),
        "CELERY_BROKER_URL": f"filesystem://{instance / 'broker'}",
        "CELERY_RESULT_BACKEND": f"db+sqlite:///{instance / 'celery-results.sqlite'}",
        "SEARCH_BACKEND": "sql",
        "REDIS_URL": "",
        "SMTP_HOST": "",
        "BANK_WEBHOOK_API_KEY": "bench-bank-key",
        "PUBLIC_BASE_URL": "http://127.0.0.1",
    }


def flask_app(env: dict[str, str]) -> Flask:
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
            "INSTANCE_PATH": env["INSTANCE_PATH"],
            "MEDIA_ROOT": env["MEDIA_ROOT"],
            "MAIL_DIR": str(Path(env["INSTANCE_PATH"]) / "mail"),
            "SECRET_KEY": env["SECRET_KEY"],
            "CELERY_BROKER_URL": env["CELERY_BROKER_URL"],
            "CELERY_RESULT_BACKEND": env["CELERY_RESULT_BACKEND"],
            "SEARCH_BACKEND": "sql",
            "RATELIMIT_ENABLED": False,
        }
    )


def seed(env: dict[str, str], stock: int) -> tuple[list[str], list[int], list[str]]:
    """Demo data, every published product stocked with `stock`, and bench buyers with API tokens."""
    from catalog.models import Product, ProductStatus
    from marketplace.demo import seed as seed_demo
    from marketplace.extensions import db
    from marketplace.models import Role
    from marketplace.services import create_user, issue_api_token

    app = flask_app(env)
    with app.app_context():
        seed_demo()
        restock(Product.status == ProductStatus.PUBLISHED, stock)
        buyers = [
            create_user(f"bench{n}@example.vn", "mat-khau-bench", Role.BUYER, f"Khách thử {n}")
            for n in range(BENCH_BUYERS)
        ]
        db.session.flush()
        tokens = [issue_api_token(buyer) for buyer in buyers]
        rows = db.session.execute(
            select(Product.id, Product.slug).where(Product.status == ProductStatus.PUBLISHED).order_by(Product.id)
        ).all()
        db.session.commit()
        db.engine.dispose()
    return tokens, [r.id for r in rows], [r.slug for r in rows]


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database, dropped afterwards."""
    name = f"ocop_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    url = f"{base}/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        create_engine(url).dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def served_site(
    database: str = "sqlite", stock: int = 1_000_000, config: Path | None = None, **extra_env: str
) -> Iterator[Site]:
    """A seeded site on `database` ("sqlite" or "postgresql") served by gunicorn on loopback (sync workers, or the
    gunicorn `config` given)."""
    with tempfile.TemporaryDirectory(prefix="ocop-bench-") as folder:
        instance = Path(folder)
        with contextlib.ExitStack() as stack:
            if database == "postgresql":
                url = stack.enter_context(pg_database())
            else:
                url = f"sqlite:///{instance / 'ocop.sqlite'}"
                upgrade(url)
            env = site_env(instance, url) | extra_env
            tokens, product_ids, slugs = seed(env, stock)
            base = stack.enter_context(gunicorn_server(APP_SPEC, env=env, ready_path="/login", config=config))
            yield Site(url=base, env=env, tokens=tokens, product_ids=product_ids, slugs=slugs)
