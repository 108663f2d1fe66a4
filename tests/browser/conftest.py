"""Browser journeys: Debian's Chromium (Playwright) against the real app served by gunicorn.

One site per test session: a fresh SQLite database built by the Alembic migrations and filled with the demo data
by `ocop seed-demo`, served by gunicorn on a free loopback port with the same settings as `make run`. Session
cookies stay `Secure`: Chromium treats http://127.0.0.1 as a secure origin. Each test gets a fresh browser
context (its own cookies and storage); screenshots of each step go to tests/browser/artifacts/.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from marketplace import create_app
from marketplace.migrate import upgrade
from tests.perf.harness import BIN, EMBEDDED_CONFIG, ROOT, gunicorn_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
ARTIFACTS = Path(__file__).parent / "artifacts"
BANK_KEY = "browser-test-bank-key"
# Login is limited to 5 a minute per address, counted separately in each gunicorn worker; every journey logs in
# from 127.0.0.1, so the site under test runs without rate limits (tests/integration covers the 429 answers).
APP_SPEC = "marketplace:create_app({'RATELIMIT_ENABLED': False})"


@dataclass
class LiveSite:
    """The running site: its base URL, the environment it was started with, and a Flask app on the same data."""

    url: str
    env: dict[str, str]
    instance: Path
    _app: Flask | None = field(default=None, repr=False)

    @property
    def app(self) -> Flask:
        """A Flask app on the same database, for reading what the journeys changed and for CLI-like set-up."""
        if self._app is None:
            env = self.env
            self._app = create_app(
                {
                    "TESTING": True,
                    "INSTANCE_PATH": env["INSTANCE_PATH"],
                    "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
                    "SECRET_KEY": env["SECRET_KEY"],
                    "MEDIA_ROOT": env["MEDIA_ROOT"],
                    "MAIL_DIR": str(self.instance / "mail"),
                    "BANK_WEBHOOK_API_KEY": env["BANK_WEBHOOK_API_KEY"],
                    "CELERY_BROKER_URL": env["CELERY_BROKER_URL"],
                    "CELERY_RESULT_BACKEND": env["CELERY_RESULT_BACKEND"],
                    "PUBLIC_BASE_URL": self.url,
                }
            )
        return self._app

    def cli(self, *args: str, timeout: float = 120) -> str:
        """Run `ocop …` against the site's database, as an operator would; returns its output."""
        done = subprocess.run(
            [str(BIN / "ocop"), *args],
            cwd=ROOT,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


def site_env(instance: Path) -> dict[str, str]:
    """Everything the app, the CLI and the worker read, pointed at a private instance folder."""
    return {
        "DATABASE_URL": f"sqlite:///{instance / 'ocop.sqlite'}",
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "browser-test-secret-key-not-for-production",
        "MEDIA_ROOT": str(instance / "media"),
        "BANK_WEBHOOK_API_KEY": BANK_KEY,
        "CELERY_BROKER_URL": f"filesystem://{instance / 'broker'}",
        "CELERY_RESULT_BACKEND": f"db+sqlite:///{instance / 'celery-results.sqlite'}",
        "SEARCH_BACKEND": "sql",
        "REDIS_URL": "",
        "SMTP_HOST": "",
        "REFERENCE_CACHE_SECONDS": "10",  # tests change data from outside the server: chips as fresh as cached pages
        # two phones scan one label within a second, on either of two workers: the second must see the first's scan
        # (buffered, a worker shows only its own buffer until it is written; tests/integration/test_scan_buffer.py)
        "SCAN_BUFFER_SECONDS": "0",
    }


@pytest.fixture(scope="session")
def live_site(tmp_path_factory) -> Iterator[LiveSite]:
    """Migrated, demo-seeded SQLite served by gunicorn on a free loopback port, as `make run` serves it."""
    instance = tmp_path_factory.mktemp("browser-instance")
    env = site_env(instance)
    env["PUBLIC_BASE_URL"] = "http://127.0.0.1"  # replaced below once the port is known
    upgrade(env["DATABASE_URL"])
    site = LiveSite(url="", env=env, instance=instance)
    site.cli("seed-demo")
    with gunicorn_server(APP_SPEC, env=env, ready_path="/login", config=EMBEDDED_CONFIG) as base:
        site.url = base
        site.env["PUBLIC_BASE_URL"] = base
        yield site


@pytest.fixture(scope="session")
def celery_worker(live_site) -> Iterator[None]:
    """A real Celery worker on the site's embedded broker, for journeys that need background work."""
    log = ARTIFACTS / "celery-worker.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "marketplace.worker",
                "worker",
                "--pool=solo",
                "--loglevel=info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env={**os.environ, **live_site.env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser, live_site) -> Iterator:
    """Factory for extra browser contexts (a second person, or a browser with JavaScript off)."""
    contexts: list[BrowserContext] = []

    def make(phone: bool = True, javascript: bool = True, user_agent: str | None = None) -> BrowserContext:
        options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {}
        if user_agent:
            options["user_agent"] = user_agent
        context = browser.new_context(base_url=live_site.url, locale="vi-VN", java_script_enabled=javascript, **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context) -> Page:
    """A phone-sized page (360×740) in a fresh context."""
    return new_context().new_page()


@pytest.fixture
def shot(request) -> Iterator:
    """`shot(page, "step")` saves a full-page screenshot as artifacts/<test>/<nn>-<step>.png; `shot.folder` is
    that folder, for a test's own extra images."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    counter = iter(range(1, 100))

    def take(page: Page, step: str) -> Path:
        path = folder / f"{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    take.folder = folder
    yield take


@contextmanager
def app_context(site: LiveSite) -> Iterator[Flask]:
    """An app context on the site's database (fresh session each time, so it sees what the site committed)."""
    with site.app.app_context():
        yield site.app


def eventually(check, timeout: float = 30, interval: float = 0.3):
    """Poll `check()` until it returns something truthy (background work finishing); fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {check}")
        time.sleep(interval)
