"""Outbound webhooks: signed deliveries to a real local HTTP receiver, retries with backoff, a delivery log with
status codes and response times, "deliver again", order events, and tasks sent only after commit."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog import services
from catalog.models import Product
from integrations import webhooks
from integrations.models import DeliveryStatus, WebhookDelivery
from integrations.webhooks import DELIVER_TASK, deliver
from marketplace.extensions import db
from marketplace.models import Role
from orders import services as order_services
from tests.factories import login, make_cooperative, make_product, make_user
from tests.factories.integrations import make_subscription, producer, receiver, start_worker, wait_for
from tests.factories.orders import make_checkout


@pytest.fixture(autouse=True)
def loopback_receiver(app, monkeypatch):
    """The test receiver is plain http on 127.0.0.1: allowed here only, through the test-only settings."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)


def _deliveries(event: str | None = None) -> list[WebhookDelivery]:
    db.session.commit()  # a fresh snapshot: SQLite's WAL reader keeps the one its transaction began with
    query = select(WebhookDelivery).order_by(WebhookDelivery.id)
    if event:
        query = query.where(WebhookDelivery.event == event)
    return list(db.session.scalars(query))


def _deliver_until_done(delivery_id: int) -> None:
    """What the task does, attempt after attempt, without waiting out the backoff."""
    for _ in range(webhooks.MAX_ATTEMPTS):
        outcome = deliver(delivery_id)
        if outcome.retry_in is None:
            return
        row = db.session.get(WebhookDelivery, delivery_id)
        row.next_attempt_at = None
        db.session.commit()


def test_cooperative_subscribes_and_a_price_change_arrives_signed_after_two_failures(app, client):
    owner = make_user(Role.COOPERATIVE)
    product = make_product(owner.cooperative, name="Chè Shan tuyết", price_vnd=120_000, stock=5)
    db.session.commit()
    login(client, owner)
    with receiver(fail_first=2) as hook:
        page = client.form_post(
            "/integrations/webhooks",
            {"url": hook.url, "events": ["product.updated", "stock.changed"], "secret": hook.secret},
        )
        assert page.status_code == 302
        services.set_price_stock(owner, db.session.get(Product, product.id), price_vnd=135_000)
        db.session.commit()
        [delivery] = _deliveries()
        assert delivery.event == "product.updated" and delivery.status == DeliveryStatus.PENDING
        assert [webhooks.backoff_seconds(n) for n in (1, 2, 3)] == [30, 60, 120]
        _deliver_until_done(delivery.id)
        assert len(hook.requests) == 3 and all(r.signature_ok for r in hook.requests)
        assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", hook.requests[-1].headers["X-Ocop-Signature"])
    body = hook.events[-1]
    assert body["event"] == "product.updated" and body["data"]["price_vnd"] == 135_000
    [delivery] = _deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.SENT, 3, 200)
    assert [a.status_code for a in delivery.log] == [503, 503, 200]
    detail = client.get(f"/integrations/webhooks/{delivery.subscription_id}").get_data(as_text=True)
    assert "Đã gửi" in detail and "503" in detail and " ms" in detail and "Gửi lại" in detail


def test_deliver_again_and_failed_after_every_attempt(app, client):
    owner = make_user(Role.COOPERATIVE)
    product = make_product(owner.cooperative, stock=5)
    with receiver(fail_first=99) as hook:
        make_subscription(hook.url, events=["stock.changed"], cooperative_id=owner.cooperative_id)
        services.set_price_stock(owner, product, stock=4)
        db.session.commit()
        [delivery] = _deliveries("stock.changed")
        _deliver_until_done(delivery.id)
        assert _deliveries()[0].status == DeliveryStatus.FAILED and len(hook.requests) == webhooks.MAX_ATTEMPTS
        hook.fail_first = 0
        login(client, owner)
        assert client.form_post(f"/integrations/webhooks/deliveries/{delivery.id}/redeliver").status_code == 302
        assert _deliveries()[0].status == DeliveryStatus.PENDING
        _deliver_until_done(delivery.id)
    assert _deliveries()[0].status == DeliveryStatus.SENT and hook.requests[-1].signature_ok
    assert hook.events[-1]["data"]["stock"] == 4


def test_other_cooperatives_cannot_see_or_redeliver(client):
    owner = make_user(Role.COOPERATIVE)
    subscription = make_subscription("https://example.test/hook", cooperative_id=owner.cooperative_id)
    services.set_price_stock(owner, make_product(owner.cooperative, stock=3), stock=2)
    stranger = make_user(Role.COOPERATIVE)
    buyer = make_user()
    db.session.commit()
    [delivery] = _deliveries("stock.changed")
    login(client, stranger)
    assert client.get(f"/integrations/webhooks/{subscription.id}").status_code == 404
    assert client.form_post(f"/integrations/webhooks/deliveries/{delivery.id}/redeliver").status_code == 404
    client.form_post("/logout")
    login(client, buyer)
    assert client.get("/integrations/webhooks").status_code == 403


def test_order_created_paid_and_shipped_are_sent_to_the_cooperative(client):
    coop = make_cooperative()
    seller = make_user(Role.COOPERATIVE, cooperative=coop)
    product = make_product(coop, stock=10)
    make_subscription("https://example.test/hook", events=["order.created", "order.paid", "order.shipped"])
    db.session.commit()
    order = make_checkout(make_user(), {product.id: 1}, "cod").orders[0]
    db.session.commit()
    order_services.confirm_order(seller, order)
    order_services.ship_order(seller, order, "vnpost", "EB123456789VN")
    db.session.commit()
    events = [(d.event, d.payload["code"], d.payload["status"]) for d in _deliveries() if d.event.startswith("order.")]
    assert events == [("order.created", order.code, "awaiting_confirmation"), ("order.shipped", order.code, "shipped")]
    assert _deliveries("order.shipped")[0].payload["tracking_no"] == "EB123456789VN"
    prepaid = make_checkout(make_user(), {product.id: 1}, "vietqr").orders[0]
    db.session.commit()
    order_services.apply_payment(
        order_services.Payment(gateway="test", provider_reference="t-1", amount_vnd=prepaid.total_vnd), prepaid
    )
    db.session.commit()
    assert [d.payload["code"] for d in _deliveries("order.paid")] == [prepaid.code]


def _queued_messages(app) -> int:
    folder = Path(app.config["CELERY_BROKER_URL"][len("filesystem://") :]) / "queue"
    return len(list(folder.glob("*"))) if folder.exists() else 0


def test_tasks_are_sent_only_after_commit(app):
    make_subscription("https://example.test/hook", events=["stock.changed"])
    owner = make_user(Role.COOPERATIVE)
    product = make_product(owner.cooperative, stock=5)
    db.session.commit()
    before = _queued_messages(app)
    services.set_price_stock(owner, product, stock=4)
    db.session.rollback()
    assert _queued_messages(app) == before and _deliveries() == []
    services.set_price_stock(owner, db.session.get(Product, product.id), stock=3)
    db.session.commit()
    assert _queued_messages(app) > before and len(_deliveries()) == 1


@pytest.mark.worker
def test_real_worker_on_the_filesystem_broker_retries_until_the_receiver_is_up(app, database_url, dialect, tmp_path):
    """`make run`'s embedded broker, a real worker, Celery retries with backoff: down twice, third time signed."""
    if dialect != "sqlite":
        pytest.skip("the embedded broker runs with the embedded database; PostgreSQL workers use Redis/RabbitMQ")
    queue = f"ocoptest-{uuid.uuid4().hex[:10]}"
    broker_url = f"filesystem://{tmp_path / 'broker'}"
    worker = start_worker(app, database_url, broker_url, queue, tmp_path / "worker.log")
    try:
        with receiver(fail_first=2) as hook:
            make_subscription(hook.url, events=["stock.changed"])
            owner = make_user(Role.COOPERATIVE)
            services.set_price_stock(owner, make_product(owner.cooperative, stock=5), stock=1)
            db.session.commit()
            [delivery] = _deliveries()
            producer(broker_url).send_task(DELIVER_TASK, args=(delivery.id,), queue=queue)
            sent = wait_for(
                lambda: _deliveries()[0].status == DeliveryStatus.SENT, timeout=120, what=f"delivery ({worker.log})"
            )
            assert sent and len(hook.requests) == 3 and hook.requests[-1].signature_ok
        assert json.loads(hook.requests[-1].body)["data"]["stock"] == 1
        assert [a.status_code for a in _deliveries()[0].log] == [503, 503, 200]
    finally:
        worker.stop()


def test_an_attempt_whose_worker_died_is_taken_up_again_when_its_claim_runs_out(app):
    """The broker hands a SIGKILLed worker's task to another worker: that task waits the claim out, then sends
    (instead of dropping the delivery until the sweeper, which runs only where beat does)."""
    with receiver() as hook:
        make_subscription(hook.url, events=["stock.changed"])
        [delivery] = webhooks.emit("stock.changed", {"product_id": 1, "stock": 3})
        db.session.commit()
        assert webhooks._claim(delivery.id) is not None  # the worker that claimed the attempt dies here
        redelivered = deliver(delivery.id)
        assert not redelivered.sent and 0 < redelivered.retry_in <= webhooks.CLAIM_SECONDS + 1
        assert hook.requests == []
        row = db.session.get(WebhookDelivery, delivery.id)
        row.next_attempt_at = None  # the claim ran out (what the task's countdown waits for)
        db.session.commit()
        assert deliver(delivery.id).sent
        assert len(hook.requests) == 1
        assert deliver(delivery.id).retry_in is None  # sent: any later copy of the task stops
