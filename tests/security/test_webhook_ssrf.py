"""Server-side request forgery through webhooks: a webhook target must be an https URL of a public address, checked
when it is saved and again when each delivery connects (a name that resolves to loopback is refused then);
redirects are not followed, and what a failing receiver answers is never stored in or shown from the log."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from integrations.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from integrations.webhooks import deliver, emit
from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import login, make_user
from tests.factories.integrations import make_subscription

BODY_SECRET = "internal-secret-from-the-receiver"


@contextlib.contextmanager
def answering(status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> Iterator[dict]:
    """A real HTTP server on loopback that answers every POST with `status`, `headers` and `body`."""
    seen = {"requests": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen["requests"] += 1
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    seen["port"] = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()


def _one_delivery(url: str) -> int:
    make_subscription(url, events=["stock.changed"])
    [delivery] = emit("stock.changed", {"product_id": 1, "stock": 3})
    db.session.commit()
    return delivery.id


def _subscriptions() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(WebhookSubscription))


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/",
        "https://10.0.0.1/",
        "https://[::1]/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::ffff:127.0.0.1]/",
        "https://[64:ff9b::a9fe:a9fe]/",
        "https://[fd00::1]/",
        "https://0.0.0.0/",
        "https://192.168.1.1/",
        "https://100.64.0.1/",
        "https://localhost/hook",
        "http://example.com/hook",
    ],
)
def test_a_private_or_plain_http_target_is_refused_when_saved(app, client, url):
    admin = make_user(Role.ADMIN)
    db.session.commit()
    login(client, admin)
    before = _subscriptions()
    response = client.form_post("/integrations/webhooks", {"url": url, "events": ["stock.changed"]})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Địa chỉ nhận phải" in page
    assert _subscriptions() == before


def test_allowing_http_for_tests_does_not_allow_private_addresses(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)
    admin = make_user(Role.ADMIN)
    db.session.commit()
    login(client, admin)
    before = _subscriptions()
    response = client.form_post(
        "/integrations/webhooks", {"url": "http://127.0.0.1:8080/", "events": ["stock.changed"]}
    )
    assert response.status_code == 422 and _subscriptions() == before


def test_a_name_resolving_to_loopback_is_refused_at_delivery(app, monkeypatch):
    """The row was saved before (or the name pointed elsewhere then): delivery resolves again and never connects."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)
    with answering(200, body=b"ok") as receiver:
        delivery_id = _one_delivery(f"http://localhost:{receiver['port']}/hook")
        outcome = deliver(delivery_id)
    assert not outcome.sent and receiver["requests"] == 0
    row = db.session.get(WebhookDelivery, delivery_id)
    assert row.last_status_code is None and row.last_error.startswith("refused")


def test_plain_http_is_refused_at_delivery(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    with answering(200, body=b"ok") as receiver:
        delivery_id = _one_delivery(f"http://127.0.0.1:{receiver['port']}/hook")
        assert not deliver(delivery_id).sent
    assert receiver["requests"] == 0


def test_a_redirect_is_not_followed_and_counts_as_a_failure(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    with answering(200, body=b"ok") as target:
        with answering(302, {"Location": f"http://127.0.0.1:{target['port']}/"}) as redirecting:
            delivery_id = _one_delivery(f"http://127.0.0.1:{redirecting['port']}/hook")
            outcome = deliver(delivery_id)
        assert redirecting["requests"] == 1 and target["requests"] == 0
    assert not outcome.sent and outcome.retry_in is not None
    row = db.session.get(WebhookDelivery, delivery_id)
    assert row.status == DeliveryStatus.PENDING and row.last_status_code == 302


def test_a_failing_receivers_body_is_not_stored_or_shown(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    admin = make_user(Role.ADMIN)
    db.session.commit()
    with answering(500, body=BODY_SECRET.encode()) as receiver:
        delivery_id = _one_delivery(f"http://127.0.0.1:{receiver['port']}/hook")
        deliver(delivery_id)
    assert receiver["requests"] == 1
    row = db.session.get(WebhookDelivery, delivery_id)
    assert row.last_status_code == 500 and BODY_SECRET not in (row.last_error or "")
    assert all(BODY_SECRET not in (attempt.error or "") for attempt in row.log)
    assert row.last_error.startswith("HTTP 500")
    login(client, admin)
    page = client.get(f"/integrations/webhooks/{row.subscription_id}").get_data(as_text=True)
    assert "HTTP 500" in page and BODY_SECRET not in page
