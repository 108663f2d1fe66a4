"""Several hosts of the marketplace on one machine, sharing what production hosts share: one PostgreSQL database,
one Redis (broker, result backend, rate limits) and the file storage — S3 served by moto when the app has a storage
layer (`marketplace.storage`, configured only by `STORAGE=s3` and its env vars), else one shared MEDIA_ROOT folder.

Each web host is a gunicorn in its own process group (so SIGKILL takes its workers too, as losing a machine does);
each worker is `celery worker` in its own group. `MixedLoad` is the traffic of tests/integration/test_two_hosts.py
and tests/perf/bench_two_hosts.py: browse, search, product pages, checkouts, bank notifications, label scans and
photo uploads, alternating between the hosts it is given.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import itertools
import os
import random
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis
import requests
from flask import Flask
from PIL import Image
from sqlalchemy import create_engine, func, select

from catalog.models import Product, ProductStatus
from marketplace import create_app
from marketplace.extensions import db
from marketplace.migrate import upgrade
from marketplace.models import Cooperative, Role, User
from marketplace.services import issue_api_token
from orders.models import OrderLine
from tests.factories.catalog import restock
from tests.factories.integrations import Worker, spawn_worker
from tests.factories.orders import SHIPPING, make_buyers
from tests.perf.harness import BIN, ROOT, _wait_ready, free_port
from traceability.labels import issue_labels
from traceability.models import Batch

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
BANK_KEY = "two-hosts-bank-key"
COOPERATIVE = "htx-nam-meo-van-son"
SCARCE_STOCK = 6
PLENTY_STOCK = 100_000
HAS_STORAGE = importlib.util.find_spec("marketplace.storage") is not None
CLAIM_KEY = "ocop:two-hosts:claim"
S3_SETTINGS = ("STORAGE", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


def claim_redis_db() -> int:
    """A Redis database number nobody uses now (empty), claimed with a key so a parallel run takes another."""
    for number in range(14, 0, -1):  # 15 is the checkout benchmark's (BENCH_BROKER_URL), 0 the worker tests'
        client = redis.Redis.from_url(f"{REDIS_BASE}/{number}")
        if client.dbsize() == 0 and client.set(CLAIM_KEY, str(os.getpid()), nx=True, ex=3600):
            return number
    raise RuntimeError("no free Redis database (1–14) for the two-hosts run")


@dataclass
class Host:
    name: str
    url: str
    process: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL the master and its workers at once, as a lost machine."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Seeded:
    """What the load uses: buyers' tokens, product ids by kind, the cooperative's token and account, label serials."""

    buyer_tokens: list[str]
    cooperative_token: str
    scarce_id: int
    plenty_ids: list[int]
    slugs: list[str]
    serials: list[str]
    batch_id: int
    initial_stock: dict[int, int]
    sold_before: dict[int, int]  # units already in (demo) orders before the load


class Cluster:
    """PostgreSQL database + Redis database (+ moto S3) and the env every host, worker and CLI call shares."""

    def __init__(
        self,
        folder: Path,
        page_cache_seconds: float = 2,
        web_workers: int = 2,
        app_spec: str = "marketplace:create_app()",
    ) -> None:
        self.folder = folder
        self.app_spec = app_spec
        self.web_workers = web_workers
        self.hosts: list[Host] = []
        self.workers: list[Worker] = []
        self._stack = contextlib.ExitStack()
        self.page_cache_seconds = page_cache_seconds
        self.db_name = f"ocop_twohosts_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.database_url = ""
        self.redis_url = ""
        self.env: dict[str, str] = {}
        self._app: Flask | None = None

    # --- lifecycle -------------------------------------------------------------------------------------

    def __enter__(self) -> Cluster:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _start(self) -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self._stack.callback(self._drop_database)
        base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        self.database_url = f"{base}/{self.db_name}"
        number = claim_redis_db()
        self.redis_url = f"{REDIS_BASE}/{number}"
        self._stack.callback(lambda: redis.Redis.from_url(self.redis_url).flushdb())
        shared = self.folder / "shared"
        shared.mkdir(parents=True, exist_ok=True)
        self.env = {
            "OCOP_ENV": "development",
            "DATABASE_URL": self.database_url,
            "INSTANCE_PATH": str(self.folder / "control"),
            "SECRET_KEY": "two-hosts-secret-key-not-for-production",
            "TRACE_CHAIN_KEY": "two-hosts-trace-chain-key-not-for-production",
            "MEDIA_ROOT": str(shared / "media"),
            "REDIS_URL": self.redis_url,
            "CELERY_BROKER_URL": self.redis_url,
            "CELERY_RESULT_BACKEND": self.redis_url,
            "CELERY_QUEUE": "celery",
            "CELERY_VISIBILITY_TIMEOUT": "8",
            "SEARCH_BACKEND": "sql",
            "SMTP_HOST": "",
            "BANK_WEBHOOK_API_KEY": BANK_KEY,
            "PUBLIC_BASE_URL": "http://127.0.0.1",
            "SESSION_COOKIE_SECURE": "0",
            "PAGE_CACHE_SECONDS": str(self.page_cache_seconds),
            "WEBHOOK_ALLOW_HTTP": "1",
            "WEBHOOK_ALLOW_PRIVATE": "1",  # the test's receiver listens on loopback
            "WEBHOOK_RETRY_BASE_SECONDS": "0.5",
            "SCAN_RATE_LIMIT": "100000",  # one test client scans for a whole town; the limit itself is tested elsewhere
            "DEMO_DATA": "0",
        }
        if HAS_STORAGE:
            self.env.update(self._start_s3())
        upgrade(self.database_url)
        done = subprocess.run(
            [str(BIN / "ocop"), "seed-demo"],
            cwd=ROOT,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"ocop seed-demo failed:\n{done.stdout}{done.stderr}")

    def _start_s3(self) -> dict[str, str]:
        """moto's S3 server on a free loopback port and a bucket for this run."""
        # imported here: only runs that point the app at S3 need boto3 and moto
        import boto3
        from moto.server import ThreadedMotoServer

        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
        server.start()
        self._stack.callback(server.stop)
        settings = {
            "STORAGE": "s3",
            "S3_BUCKET": f"ocop-two-hosts-{uuid.uuid4().hex[:8]}",
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "S3_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
        boto3.client(
            "s3",
            endpoint_url=settings["S3_ENDPOINT_URL"],
            region_name=settings["S3_REGION"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_bucket(Bucket=settings["S3_BUCKET"])
        return settings

    def _drop_database(self) -> None:
        if self._app is not None:
            with self._app.app_context():
                db.engine.dispose()
        create_engine(self.database_url or "sqlite://").dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        for host in self.hosts:
            host.stop()
        self._stack.close()

    # --- processes ---------------------------------------------------------------------------------------

    @staticmethod
    def _own_folders(instance: Path) -> dict[str, str]:
        """Each process's own instance folder; with S3 also its own MEDIA_ROOT, so that a photo uploaded on one
        host can reach the other only through the bucket (without S3, MEDIA_ROOT is the one shared folder)."""
        own = {"INSTANCE_PATH": str(instance)}
        if HAS_STORAGE:
            own["MEDIA_ROOT"] = str(instance / "media")
        return own

    def start_host(self, name: str, wait: bool = True) -> Host:
        """`gunicorn` for the app on a free port, its own instance folder and process group."""
        instance = self.folder / f"host-{name}"
        instance.mkdir(parents=True, exist_ok=True)
        port = free_port()
        log = instance / "gunicorn.log"
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                str(self.web_workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                self.app_spec,
            ],
            cwd=ROOT,
            env={**os.environ, **self.env, **self._own_folders(instance), "PYTHONPATH": str(ROOT)},
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        host = Host(name, f"http://127.0.0.1:{port}", process, log)
        self.hosts.append(host)
        if wait:
            self.wait_ready(host)
        return host

    @staticmethod
    def wait_ready(host: Host) -> None:
        _wait_ready(host.url + "/login", timeout=90)

    def start_worker(self, name: str) -> Worker:
        """`celery worker` (prefork, one child) on the cluster's broker and default queue."""
        instance = self.folder / f"worker-{name}"
        instance.mkdir(parents=True, exist_ok=True)
        worker = spawn_worker(
            self.database_url,
            self.redis_url,
            "celery",
            instance / "worker.log",
            **{**self.env, **self._own_folders(instance)},
        )
        self.workers.append(worker)
        return worker

    # --- the app, in this process, on the same data ----------------------------------------------------

    @property
    def app(self) -> Flask:
        """A Flask app on the cluster's database and broker, for set-up and for reading the outcome."""
        if self._app is None:
            env = self.env
            self._app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": self.database_url,
                    "INSTANCE_PATH": env["INSTANCE_PATH"],
                    "MEDIA_ROOT": env["MEDIA_ROOT"],
                    "MAIL_DIR": str(self.folder / "control" / "mail"),
                    "SECRET_KEY": env["SECRET_KEY"],
                    "TRACE_CHAIN_KEY": env["TRACE_CHAIN_KEY"],
                    "CELERY_BROKER_URL": env["CELERY_BROKER_URL"],
                    "CELERY_RESULT_BACKEND": env["CELERY_RESULT_BACKEND"],
                    "REDIS_URL": env["REDIS_URL"],
                    "RATELIMIT_STORAGE_URI": env["REDIS_URL"],
                    "BANK_WEBHOOK_API_KEY": BANK_KEY,
                    "SEARCH_BACKEND": "sql",
                    "PUBLIC_BASE_URL": "http://127.0.0.1",
                    **{key: value for key, value in env.items() if key in S3_SETTINGS},
                }
            )
        return self._app

    def seed_load(self, buyers: int = 12, serials: int = 30) -> Seeded:
        """Stock the demo cooperative's products (one of them with only a few units), buyers with API tokens, the
        cooperative's own token, and printed labels to scan."""

        with self.app.app_context(), self.app.test_request_context():
            cooperative = db.session.scalar(select(Cooperative).where(Cooperative.slug == COOPERATIVE))
            products = db.session.scalars(
                select(Product)
                .where(Product.cooperative_id == cooperative.id, Product.status == ProductStatus.PUBLISHED)
                .order_by(Product.id)
            ).all()
            scarce, plenty = products[0], products[1:]
            restock(Product.id == scarce.id, SCARCE_STOCK)
            restock(Product.id.in_([p.id for p in plenty]), PLENTY_STOCK)
            tokens = [issue_api_token(user) for user in make_buyers(buyers)]
            owner = db.session.scalar(
                select(User).where(User.email == "htx@demo.ocop.vn", User.role == Role.COOPERATIVE)
            )
            batch = db.session.scalar(
                select(Batch).where(Batch.cooperative_id == cooperative.id).order_by(Batch.id).limit(1)
            )
            _run, issued = issue_labels(batch, serials, actor_id=owner.id, with_pin=False)
            seeded = Seeded(
                buyer_tokens=tokens,
                cooperative_token=issue_api_token(owner),
                scarce_id=scarce.id,
                plenty_ids=[p.id for p in plenty],
                slugs=[p.slug for p in products],
                serials=[label.serial for label in issued],
                batch_id=batch.id,
                initial_stock={scarce.id: SCARCE_STOCK, **{p.id: PLENTY_STOCK for p in plenty}},
                sold_before=units_sold(),
            )
            db.session.commit()
        return seeded


# --- the mixed load ----------------------------------------------------------------------------------------


def jpeg_bytes(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (seed * 37 % 256, 110, 60)).save(out, "JPEG")
    return out.getvalue()


@dataclass
class Outcome:
    """What the load saw: counts by kind and answer, and what the checks need to compare with the database."""

    requests: Counter = field(default_factory=Counter)
    connection_errors: Counter = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    accepted_orders: dict[int, dict] = field(default_factory=dict)  # id → order summary (201 answers)
    notified: dict[str, int] = field(default_factory=dict)  # bank transaction id → order id
    scans_ok: Counter = field(default_factory=Counter)  # serial → 200 answers
    scan_errors: int = 0
    photos: list[tuple[str, float]] = field(default_factory=list)  # (media path, uploaded at, monotonic)
    cross_host_photo_misses: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def summary(self) -> str:
        answered = ", ".join(f"{kind} {status}: {n}" for (kind, status), n in sorted(self.requests.items()))
        refused = ", ".join(f"{kind} on {host}: {n}" for (kind, host), n in sorted(self.connection_errors.items()))
        return (
            f"{self.total} answered ({answered}); connection errors ({refused or 'none'}); "
            f"{len(self.accepted_orders)} orders accepted, {len(self.notified)} bank transfers notified, "
            f"{sum(self.scans_ok.values())} scans answered, {len(self.photos)} photos uploaded"
        )


class MixedLoad:
    """A pool of threads, each doing one request after another, host after host, until `stop` is set."""

    def __init__(self, cluster: Cluster, seeded: Seeded, hosts: list[Host], threads: int = 6) -> None:
        self.cluster = cluster
        self.seeded = seeded
        self.hosts = hosts
        self.threads = threads
        self.outcome = Outcome()
        self.stop = threading.Event()
        self._to_pay: list[dict] = []
        self._host_turn = itertools.count()
        self._txn = itertools.count(700_000)
        self._photo_turn = itertools.count()
        self._scarce_turn = itertools.count()

    def _host(self) -> Host:
        return self.hosts[next(self._host_turn) % len(self.hosts)]

    def _other(self, host: Host) -> Host:
        others = [h for h in self.hosts if h is not host]
        return others[0] if others else host

    def _call(self, kind: str, method: str, host: Host, path: str, **kwargs) -> requests.Response | None:
        try:
            response = requests.request(method, host.url + path, timeout=30, **kwargs)
        except requests.ConnectionError:
            with self.outcome.lock:
                self.outcome.connection_errors[(kind, host.name)] += 1
            return None
        with self.outcome.lock:
            self.outcome.requests[(kind, response.status_code)] += 1
            if response.status_code >= 500:
                self.outcome.unexpected.append(f"{kind} {method} {host.name}{path}: {response.status_code}")
        return response

    # one step of each kind ---------------------------------------------------------------------------------

    def browse(self, rng: random.Random) -> None:
        path = rng.choice(["/", "/search?q=nam+meo", "/search?q=che", f"/p/{rng.choice(self.seeded.slugs)}"])
        self._call("browse", "GET", self._host(), path)

    def checkout(self, rng: random.Random) -> None:
        scarce = next(self._scarce_turn) % 3 == 0
        product = self.seeded.scarce_id if scarce else rng.choice(self.seeded.plenty_ids)
        body = {
            "items": [{"product_id": product, "quantity": 1 if scarce else rng.randint(1, 3)}],
            "payment_method": "vietqr",
            "shipping": SHIPPING,
        }
        headers = {"Authorization": f"Bearer {rng.choice(self.seeded.buyer_tokens)}"}
        response = self._call("checkout", "POST", self._host(), "/api/v1/checkout", json=body, headers=headers)
        if response is not None and response.status_code == 201:
            with self.outcome.lock:
                for order in response.json()["orders"]:
                    self.outcome.accepted_orders[order["id"]] = order
                    self._to_pay.append(order)
        elif response is not None and response.status_code not in (409,):
            with self.outcome.lock:
                self.outcome.unexpected.append(f"checkout {response.status_code}: {response.text[:200]}")

    def notify(self, _rng: random.Random) -> None:
        """The bank tells one host, then (as banks retry) the other, about one transfer."""
        with self.outcome.lock:
            order = self._to_pay.pop(0) if self._to_pay else None
        if order is None:
            return
        payment = order["payment"]
        transaction = next(self._txn)
        body = {
            "id": transaction,
            "gateway": "Agribank",
            "transactionDate": "2026-03-25 14:02:37",
            "accountNumber": payment["account_no"],
            "content": f"NGUYEN VAN A chuyen tien {payment['reference']} FT25011234567",
            "transferType": "in",
            "transferAmount": order["total_vnd"],
        }
        headers = {"Authorization": f"Apikey {BANK_KEY}"}
        first = self._host()
        for host in (first, self._other(first)):
            response = self._call("bank", "POST", host, "/webhooks/bank-transfer", json=body, headers=headers)
            if response is not None and response.status_code == 200:
                with self.outcome.lock:
                    self.outcome.notified[str(transaction)] = order["id"]

    def scan(self, rng: random.Random) -> None:
        serial = rng.choice(self.seeded.serials)
        response = self._call("scan", "GET", self._host(), f"/t/{serial}")
        with self.outcome.lock:
            if response is None:
                self.outcome.scan_errors += 1
            elif response.status_code == 200:
                self.outcome.scans_ok[serial] += 1

    def photo(self, _rng: random.Random) -> None:
        """Upload a photo on one host and fetch it from the other."""
        turn = next(self._photo_turn)
        ids = self.seeded.plenty_ids
        product = ids[turn % len(ids)]
        if turn >= len(ids) * 4:  # stay under the per-product photo limit
            return
        host = self._host()
        response = self._call(
            "photo",
            "POST",
            host,
            f"/api/v1/products/{product}/images",
            files={"image": (f"anh-{turn}.jpg", jpeg_bytes(turn), "image/jpeg")},
            headers={"Authorization": f"Bearer {self.seeded.cooperative_token}"},
        )
        if response is None or response.status_code != 201:
            full = response is not None and response.status_code == 422 and "too_many_images" in response.text
            if response is not None and not full:  # a product already at its photo limit is an expected answer
                with self.outcome.lock:
                    self.outcome.unexpected.append(f"photo {response.status_code}: {response.text[:200]}")
            return
        url = response.json()["url"]
        path = urlsplit(url).path if url.startswith("http") else url
        with self.outcome.lock:
            self.outcome.photos.append((path, time.monotonic()))
        other = self._other(host)
        fetched = self._call("photo-fetch", "GET", other, path)
        if fetched is not None and fetched.status_code != 200:
            with self.outcome.lock:
                self.outcome.cross_host_photo_misses.append(f"{path} from {other.name}: {fetched.status_code}")

    MIX: tuple[tuple[str, int], ...] = (
        ("browse", 8),
        ("checkout", 4),
        ("notify", 3),
        ("scan", 5),
        ("photo", 1),
    )

    def _steps(self) -> list[Callable[[random.Random], None]]:
        return [getattr(self, name) for name, weight in self.MIX for _ in range(weight)]

    def _run_thread(self, number: int) -> None:
        rng = random.Random(number)
        steps = self._steps()
        while not self.stop.is_set():
            try:
                rng.choice(steps)(rng)
            except Exception as error:  # kept for the test's checks (outcome.unexpected), never swallowed
                with self.outcome.lock:
                    self.outcome.unexpected.append(f"{type(error).__name__}: {error}")

    @contextlib.contextmanager
    def running(self) -> Iterator[Outcome]:
        threads = [threading.Thread(target=self._run_thread, args=(n,), daemon=True) for n in range(self.threads)]
        for thread in threads:
            thread.start()
        try:
            yield self.outcome
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=60)


def units_sold() -> dict[int, int]:
    """Units in order lines, by product (inside an app context)."""

    rows = db.session.execute(select(OrderLine.product_id, func.sum(OrderLine.quantity)).group_by(OrderLine.product_id))
    return {product_id: int(units) for product_id, units in rows}
