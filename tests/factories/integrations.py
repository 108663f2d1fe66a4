"""Factories and helpers for integrations tests: listings, webhook subscriptions, a real HTTP receiver that
checks signatures, product photos on disk, and a real Celery worker in a subprocess."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from celery import Celery
from PIL import Image

from catalog.models import Product, ProductImage
from integrations.models import ChannelListing, ListingState, WebhookSubscription
from integrations.webhooks import EVENTS, SIGNATURE_HEADER, verify
from marketplace.extensions import db
from marketplace.jobs.celery_app import broker_options
from marketplace.text import utcnow

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_test_secret"


def make_listing(product: Product, channel: str = "postmart", state: ListingState = ListingState.LISTED, **kw):
    listing = ChannelListing(
        channel=channel,
        product_id=product.id,
        state=state,
        external_id=kw.pop("external_id", f"{channel.upper()}-{product.id}"),
        exported_at=utcnow(),
        **kw,
    )
    db.session.add(listing)
    db.session.flush()
    return listing


def make_subscription(url: str, events=EVENTS, cooperative_id: int | None = None, secret: str = SECRET):
    subscription = WebhookSubscription(url=url, secret=secret, events=list(events), cooperative_id=cooperative_id)
    db.session.add(subscription)
    db.session.flush()
    return subscription


def add_photo(app, product: Product, size: tuple[int, int] = (1200, 800), position: int = 0) -> ProductImage:
    """A real JPEG under MEDIA_ROOT/products and its ProductImage row."""
    stem = uuid.uuid4().hex[:16]
    folder = Path(app.config["MEDIA_ROOT"]) / "products"
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (30, 110, 60)).save(folder / f"{stem}-1200.jpg", "JPEG")
    Image.new("RGB", (size[0] // 4, size[1] // 4), (30, 110, 60)).save(folder / f"{stem}-300.jpg", "JPEG")
    image = ProductImage(product_id=product.id, position=position, stem=stem, width=size[0], height=size[1])
    db.session.add(image)
    db.session.flush()
    return image


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]
    signature_ok: bool


@dataclass
class Receiver:
    """A real HTTP server on a free loopback port that answers `fail_first` requests with 503, then 200."""

    fail_first: int = 0
    secret: str = SECRET
    requests: list[Received] = field(default_factory=list)
    url: str = ""

    def handler(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                ok = verify(receiver.secret, self.headers.get(SIGNATURE_HEADER, ""), body)
                receiver.requests.append(Received(body, dict(self.headers), ok))
                failing = len(receiver.requests) <= receiver.fail_first
                self.send_response(503 if failing else (200 if ok else 401))
                self.end_headers()
                self.wfile.write(b"down" if failing else b"ok")

            def log_message(self, *_args):
                return None

        return Handler

    @property
    def events(self) -> list[dict]:
        return [json.loads(r.body) for r in self.requests]


@contextlib.contextmanager
def receiver(fail_first: int = 0) -> Iterator[Receiver]:
    state = Receiver(fail_first=fail_first)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), state.handler())
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.2, what: str = "condition"):
    """Poll until `predicate()` is truthy (a bounded wait, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(interval)


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes, as a crash or an OOM kill would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def start_worker(app, database_url: str, broker_url: str, queue: str, log: Path, **env) -> Worker:
    """`celery -A marketplace.worker worker` in its own process group, on `queue`, with this test's database."""
    settings = {key: app.config[key] for key in ("INSTANCE_PATH", "MEDIA_ROOT", "SECRET_KEY", "PUBLIC_BASE_URL")}
    return spawn_worker(database_url, broker_url, queue, log, **settings, **env)


def spawn_worker(database_url: str, broker_url: str, queue: str, log: Path, **env) -> Worker:
    """A worker process on `queue` (its own process group, so a kill takes its pool children too)."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url.replace("postgresql+psycopg://", "postgresql://"),
        "INSTANCE_PATH": str(log.parent),
        "SECRET_KEY": "worker-test-secret",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": f"db+sqlite:///{log.parent / 'results.sqlite'}",
        "CELERY_QUEUE": queue,
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "WEBHOOK_RETRY_BASE_SECONDS": "0.2",
        "WEBHOOK_ALLOW_HTTP": "1",
        "WEBHOOK_ALLOW_PRIVATE": "1",  # the test receiver listens on loopback
        "PYTHONPATH": str(ROOT),
        **env,
    }
    command = [
        str(Path(sys.executable).parent / "celery"),
        "-A", "marketplace.worker", "worker",
        "--pool", "prefork", "--concurrency", "1",
        "-Q", queue, "-I", "tests.integration.worker_tasks",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h", "--loglevel", "info",
    ]  # fmt: skip
    handle = log.open("ab")
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    return Worker(process, log)


def producer(broker_url: str, **transport_options) -> Celery:
    """A bare Celery client that only sends tasks by name to the worker's broker."""
    options = {**broker_options(broker_url), **transport_options}
    url = "filesystem://" if broker_url.startswith("filesystem://") else broker_url
    return Celery("producer", broker=url, broker_transport_options=options, set_as_current=False)
