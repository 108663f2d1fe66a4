"""What operators rely on: liveness and readiness, Prometheus metrics, request ids in JSON logs and in Celery tasks."""

from __future__ import annotations

import gzip
import json
import logging
import os
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from marketplace.extensions import db
from marketplace.ops import celery_context
from marketplace.ops.logs import JsonFormatter, bind_request_id, unbind_request_id
from tests.conftest import make_test_app
from tests.factories import login, make_cooperative, make_product, make_user
from tests.factories.integrations import Worker, producer, spawn_worker, wait_for
from tests.factories.orders import bearer, checkout_body
from tests.factories.traceability import make_batch, make_labels
from traceability import scanpage

UNREACHABLE_DB = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"
REDIS_URL = "redis://127.0.0.1:6379/0"


def samples(client, headers=None) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics as {(name, sorted labels): value}."""
    response = client.get("/metrics", headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_healthz_answers_ok_without_a_cookie_and_echoes_the_request_id(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-probe-42"})
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["X-Request-ID"] == "lb-probe-42"
    assert "Set-Cookie" not in response.headers
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces <script>"}).headers["X-Request-ID"]
    assert generated != "bad id with spaces <script>" and len(generated) == 32


def test_readyz_is_ok_when_database_broker_and_storage_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_is_503_naming_an_unreachable_database_and_broker(tmp_path, keep_celery_app):
    broken = make_test_app(UNREACHABLE_DB, tmp_path, CELERY_BROKER_URL=UNREACHABLE_BROKER)
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "failed": ["database", "broker"]}
    assert broken.test_client().get("/healthz").status_code == 200  # alive, only not ready


def test_metrics_count_a_checkout_and_a_scan_by_endpoint_name(client):
    product = make_product(make_cooperative(), price_vnd=50_000, stock=10)
    buyer = make_user()
    label = make_labels(make_batch(), 1)[0]
    db.session.commit()
    scanpage.cache.clear()
    before = samples(client)
    response = client.post("/api/v1/checkout", json=checkout_body({product.id: 2}), headers=bearer(buyer))
    assert response.status_code == 201, response.get_json()
    assert "Mã chính hãng" in client.get(f"/t/{label.serial}").get_data(as_text=True)
    after = samples(client)
    checkouts = "ocop_checkouts_total"
    assert value(after, checkouts, payment_method="vietqr") == value(before, checkouts, payment_method="vietqr") + 1
    assert value(after, "ocop_scans_total", via="qr") == value(before, "ocop_scans_total", via="qr") + 1
    in_app = value(after, "ocop_notifications_total", channel="in_app")
    assert in_app > value(before, "ocop_notifications_total", channel="in_app")  # the buyer's "order placed" notice
    endpoints = {dict(labels).get("endpoint") for name, labels in after if name.startswith("ocop_http_request")}
    assert endpoints & {"fast_lane", "traceability.scan"} and any(e and "Checkout" in e for e in endpoints)
    assert not any(e and ("/" in e or label.serial in e) for e in endpoints), "labels are endpoint names, never URLs"
    assert value(after, "ocop_celery_queue_depth", queue="celery") >= 0


def test_metrics_need_the_bearer_token_when_one_is_set(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "scrape-secret")
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    found = samples(client, headers={"Authorization": "Bearer scrape-secret"})
    assert any(name == "ocop_celery_queue_depth" for name, _labels in found)


def test_json_log_line_per_request_carries_request_id_and_no_query_string(client, caplog):
    user = make_user()
    db.session.commit()
    login(client, user)
    caplog.set_level(logging.INFO, logger="marketplace.ops.request")
    caplog.clear()
    response = client.get("/account/?token=s3cr3t-in-query", headers={"X-Request-ID": "req-7f3a"})
    assert response.headers["X-Request-ID"] == "req-7f3a"
    records = [r for r in caplog.records if r.name == "marketplace.ops.request"]
    assert len(records) == 1
    line = JsonFormatter().format(records[0])
    assert "s3cr3t" not in line and "\n" not in line
    entry = json.loads(line)
    assert entry["request_id"] == "req-7f3a"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/account/", response.status_code)
    assert entry["endpoint"] and "/" not in entry["endpoint"]
    assert entry["user_id"] == user.id and entry["level"] == "INFO"
    assert entry["time"].endswith("+00:00") and isinstance(entry["duration_ms"], float)


def test_proxy_fix_trusts_forwarded_proto_only_when_hops_are_set(database_url, tmp_path, keep_celery_app):
    behind_proxy = make_test_app(database_url, tmp_path / "a", PROXY_FIX_HOPS=1).test_client()
    direct = make_test_app(database_url, tmp_path / "b").test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    assert "Strict-Transport-Security" in behind_proxy.get("/healthz", headers=forwarded).headers
    assert "Strict-Transport-Security" not in direct.get("/healthz", headers=forwarded).headers


@pytest.fixture
def workers():
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


@pytest.mark.worker
def test_request_id_reaches_the_celery_task_and_its_json_log(tmp_path, workers):
    """A task queued while a request runs carries its id; the worker (LOG_FORMAT=json) logs it on the task's lines."""
    queue = f"ocoptest-{uuid.uuid4().hex[:10]}"
    broker_url = f"filesystem://{tmp_path / 'broker'}"
    log = tmp_path / "worker.log"
    workers.append(spawn_worker(f"sqlite:///{tmp_path / 'w.sqlite'}", broker_url, queue, log, LOG_FORMAT="json"))
    celery_context.connect("text")  # what the web process does at start (the app factory calls it)
    binding = bind_request_id("checkout-req-91")  # as the request observer does for each request
    try:
        producer(broker_url).send_task("tests.record_request_id", args=(str(tmp_path),), queue=queue)
    finally:
        unbind_request_id(binding)
    seen = tmp_path / "request_id.txt"
    wait_for(seen.exists, timeout=120, what=f"the task to run ({log})")
    assert seen.read_text() == "checkout-req-91"
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    mine = [line for line in lines if line["message"] == "task saw its request id"]
    assert mine and mine[0]["request_id"] == "checkout-req-91" and mine[0]["level"] == "INFO"


SENTRY_CHILD = """
import sys
import sentry_sdk
from marketplace import create_app

app = create_app({"SENTRY_DSN": sys.argv[1], "INSTANCE_PATH": sys.argv[2], "SECRET_KEY": "x", "OCOP_ENV": "production",
                  "TRACE_CHAIN_KEY": "trace-chain-key-for-this-test-only-0123456789",
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[2] + "/db.sqlite"})

@app.get("/boom")
def boom():
    raise RuntimeError("boom-7c1e")

response = app.test_client().get("/boom", headers={"Cookie": "session=secret-cookie-5d2a"})
assert response.status_code == 500, response.status_code
sentry_sdk.flush(10)
"""


class _Envelopes(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args):
        pass


def test_sentry_gets_an_unhandled_error_without_cookies(tmp_path):
    """A local stand-in for Sentry receives the error of a 500 page; the buyer's cookie is not in the report."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Envelopes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Envelopes.received = []
    try:
        dsn = f"http://publickey@127.0.0.1:{server.server_address[1]}/1"
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        child = subprocess.run(
            [sys.executable, "-c", SENTRY_CHILD, dsn, str(tmp_path)], env=env, capture_output=True, text=True
        )
        assert child.returncode == 0, child.stderr[-3000:]
    finally:
        server.shutdown()
    reports = b"\n".join(_Envelopes.received).decode(errors="replace")
    assert "boom-7c1e" in reports and '"environment":"production"' in reports.replace(" ", "")
    assert "secret-cookie-5d2a" not in reports


MULTIPROCESS_COUNT = "from marketplace.ops.metrics import count; count('scans', via='typed')"
MULTIPROCESS_SCRAPE = """
import sys
from pathlib import Path
from tests.conftest import make_test_app

folder = Path(sys.argv[1])
app = make_test_app("sqlite:///" + str(folder / "db.sqlite"), folder)
print(app.test_client().get("/metrics").get_data(as_text=True))
"""


def test_metrics_add_up_every_process_in_multiprocess_mode(tmp_path):
    """Two processes (say, two gunicorn workers) each count a scan; a third one's /metrics shows both."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared), "PYTHONPATH": root}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", MULTIPROCESS_COUNT], env=env, check=True, cwd=root)
    scrape = subprocess.run(
        [sys.executable, "-c", MULTIPROCESS_SCRAPE, str(tmp_path)], env=env, capture_output=True, text=True, cwd=root
    )
    assert scrape.returncode == 0, scrape.stderr[-3000:]
    assert 'ocop_scans_total{via="typed"} 2.0' in scrape.stdout


@pytest.mark.worker
def test_readiness_and_queue_depth_on_redis(database_url, tmp_path, monkeypatch, keep_celery_app):
    """On Redis the readiness check connects for real and the gauge counts the messages waiting in our queue."""
    queue = f"ocoptest-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("CELERY_QUEUE", queue)
    on_redis = make_test_app(database_url, tmp_path, CELERY_BROKER_URL=REDIS_URL)
    client = on_redis.test_client()
    try:
        assert client.get("/readyz").get_json() == {"status": "ok"}
        sender = producer(REDIS_URL)
        for _ in range(2):
            sender.send_task("tests.record_request_id", args=(str(tmp_path),), queue=queue)
        assert value(samples(client), "ocop_celery_queue_depth", queue=queue) == 2
    finally:
        redis.Redis.from_url(REDIS_URL).delete(queue)
