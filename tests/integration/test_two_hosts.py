"""Two hosts, proven under failure (docs/operations.md "Two hosts, proven").

Two gunicorn web hosts and two Celery workers on one PostgreSQL database, one Redis (broker, result backend, rate
limits) and one file storage (S3 served by moto when the app has `marketplace.storage`, else a shared MEDIA_ROOT).
A mixed load alternates between the hosts; in the middle one worker and one web host are SIGKILLed (requests to the
dead host count as connection errors) and a replacement worker starts. Afterwards a second host comes back and the
outcome is checked against the database: nothing oversold, every accepted checkout is an order, every bank
notification applied once, every answered scan recorded, the label run finished once, every photo served by both
hosts, login rate limits counted across hosts, a product change seen by both hosts once the page cache expires,
and every webhook delivered (at least once) despite the lost worker.
"""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest
import requests
from sqlalchemy import func, select, update

from catalog.models import Product
from integrations.models import DeliveryStatus, WebhookDelivery
from marketplace.extensions import db
from marketplace.jobs.models import Job, JobStatus
from marketplace.models import Role, User
from orders.models import Order, OrderStatus, Payment
from tests.factories.integrations import make_subscription, receiver, wait_for
from tests.perf.cluster import HAS_STORAGE, Cluster, Host, MixedLoad, units_sold
from traceability.label_pdf.layout import preset_layout
from traceability.label_runs import request_run
from traceability.models import Batch, Label, LabelRun, Scan

pytestmark = pytest.mark.two_hosts

PAGE_CACHE_SECONDS = 2
LABELS = 120
LOGIN_LIMIT_PER_MINUTE = 5  # marketplace.views.LOGIN_LIMIT
SWEEP_SECONDS = 3  # beat sends integrations.sweep_webhooks every minute; the test, this often


def _get(host: Host, path: str) -> requests.Response:
    return requests.get(host.url + path, timeout=30)


def _queue_label_run(cluster: Cluster, batch_id: int) -> str:
    with cluster.app.app_context(), cluster.app.test_request_context():
        owner = db.session.scalar(select(User).where(User.email == "htx@demo.ocop.vn", User.role == Role.COOPERATIVE))
        batch = db.session.get(Batch, batch_id)
        job = request_run(owner, batch, LABELS, preset_layout("a4-3x8"), with_pin=False)
        db.session.commit()
        return job.id


def _login_statuses(hosts: list[Host], attempts: int) -> list[int]:
    """Wrong-password logins from one address, alternating hosts (one browser session, valid CSRF token)."""
    browser = requests.Session()
    page = browser.get(hosts[0].url + "/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "email": "khach@demo.ocop.vn", "password": "sai-mat-khau"}
    return [
        browser.post(hosts[n % len(hosts)].url + "/login", data=form, timeout=30).status_code for n in range(attempts)
    ]


def test_two_hosts_lose_a_web_host_and_a_worker_and_nothing_is_lost(tmp_path, keep_celery_app):
    with receiver() as hook, Cluster(tmp_path, page_cache_seconds=PAGE_CACHE_SECONDS) as cluster:
        seeded = cluster.seed_load()
        with cluster.app.app_context():
            make_subscription(hook.url, events=("order.created", "order.paid"))
            db.session.commit()
        host_a, host_b = cluster.start_host("a", wait=False), cluster.start_host("b", wait=False)
        first_worker = cluster.start_worker("1")
        cluster.start_worker("2")
        cluster.wait_ready(host_a)
        cluster.wait_ready(host_b)

        load = MixedLoad(cluster, seeded, [host_a, host_b])
        with load.running() as outcome:
            time.sleep(5)
            job_id = _queue_label_run(cluster, seeded.batch_id)
            time.sleep(2)
            first_worker.kill()
            photos_before_kill = [path for path, _at in outcome.photos]
            served_before_kill = {
                (path, host.name): _get(host, path).status_code
                for path in photos_before_kill
                for host in (host_a, host_b)
            }
            host_b.kill()
            time.sleep(3)
            cluster.start_worker("3")  # the lost worker's replacement
            time.sleep(8)

        print("two hosts:", "S3 (moto)" if HAS_STORAGE else "shared MEDIA_ROOT", "—", outcome.summary())
        host_b2 = cluster.start_host("b2")
        survivors = [host_a, host_b2]

        # the load itself: no 5xx, no exception, and it did what it was meant to
        assert outcome.unexpected == []
        assert outcome.cross_host_photo_misses == []
        assert outcome.requests[("checkout", 201)] > 0 and outcome.notified and outcome.scans_ok and outcome.photos
        assert photos_before_kill and all(status == 200 for status in served_before_kill.values())

        with cluster.app.app_context():
            # 0 oversold: stock never below 0, what was sold never more than was there
            total = units_sold()
            sold = {pid: total.get(pid, 0) - seeded.sold_before.get(pid, 0) for pid in seeded.initial_stock}
            for product_id, initial in seeded.initial_stock.items():
                stock = db.session.scalar(select(Product.stock).where(Product.id == product_id))
                assert stock >= 0 and sold[product_id] <= initial
                assert stock == initial - sold[product_id]
            assert sold[seeded.scarce_id] == seeded.initial_stock[seeded.scarce_id]  # the last units went

            # every accepted checkout is an order
            order_ids = set(db.session.scalars(select(Order.id)))
            assert set(outcome.accepted_orders) <= order_ids

            # every bank notification applied exactly once
            references = Counter(db.session.scalars(select(Payment.provider_reference)))
            assert all(references[reference] == 1 for reference in outcome.notified)
            assert all(count == 1 for count in references.values())
            paid_by_order = dict(
                db.session.execute(
                    select(Payment.order_id, func.sum(Payment.amount_vnd))
                    .where(Payment.order_id.is_not(None))
                    .group_by(Payment.order_id)
                ).all()
            )
            for order in db.session.scalars(select(Order).where(Order.id.in_(set(outcome.notified.values())))):
                assert order.status == OrderStatus.PAID
                assert order.paid_vnd == paid_by_order[order.id] == order.total_vnd

            # every scan that got a 200 is recorded (a scan cut off by the kill may be recorded unanswered)
            recorded = dict(
                db.session.execute(
                    select(Label.serial, func.count(Scan.id))
                    .join(Scan, Scan.label_id == Label.id)
                    .where(Label.serial.in_(seeded.serials))
                    .group_by(Label.serial)
                ).all()
            )
            for serial, answered in outcome.scans_ok.items():
                assert recorded.get(serial, 0) >= answered
            assert sum(recorded.values()) <= sum(outcome.scans_ok.values()) + outcome.scan_errors

        # the label run, queued just before its worker was killed, finished exactly once
        def job_done():
            with cluster.app.app_context():
                return db.session.scalar(select(Job.status).where(Job.id == job_id)) == JobStatus.SUCCEEDED

        wait_for(job_done, timeout=60, what="the label run")
        with cluster.app.app_context():
            runs = db.session.scalars(select(LabelRun).where(LabelRun.job_id == job_id)).all()
            assert len(runs) == 1
            assert db.session.scalar(select(func.count(Label.id)).where(Label.run_id == runs[0].id)) == LABELS

        # every photo is served by both hosts (the survivor and the host that came back)
        for path, _at in outcome.photos:
            assert [_get(host, path).status_code for host in survivors] == [200, 200], path

        # rate limits are counted across hosts: the 6th login a minute is refused whichever host gets it
        statuses = _login_statuses(survivors, LOGIN_LIMIT_PER_MINUTE + 3)
        assert 429 not in statuses[:LOGIN_LIMIT_PER_MINUTE]
        assert statuses[LOGIN_LIMIT_PER_MINUTE:] == [429] * 3

        # a product change reaches both hosts within PAGE_CACHE_SECONDS (each host's page cache is its own)
        slug = seeded.slugs[1]
        for host in survivors:
            for _ in range(4):
                assert _get(host, f"/p/{slug}").status_code == 200
        with cluster.app.app_context():
            db.session.execute(update(Product).where(Product.slug == slug).values(name="Gạo nếp cái hoa vàng mới"))
            db.session.commit()
        time.sleep(PAGE_CACHE_SECONDS + 0.5)
        for host in survivors:
            for _ in range(4):  # each gunicorn worker of the host
                assert "Gạo nếp cái hoa vàng mới" in _get(host, f"/p/{slug}").text

        # webhook deliveries: none lost with the killed worker or host; each received at least once. A host killed
        # between a commit and sending its delivery task leaves the delivery to beat's sweeper (every minute); the
        # test plays beat, sooner.
        celery, swept = cluster.app.extensions["celery"], [0.0]

        def all_sent():
            if time.monotonic() - swept[0] > SWEEP_SECONDS:
                celery.send_task("integrations.sweep_webhooks")
                swept[0] = time.monotonic()
            with cluster.app.app_context():
                statuses = Counter(db.session.scalars(select(WebhookDelivery.status)))
                return set(statuses) == {DeliveryStatus.SENT} and statuses

        try:
            sent = wait_for(all_sent, timeout=60, what="every webhook delivery")
        except AssertionError:
            with cluster.app.app_context():
                stuck = db.session.execute(
                    select(WebhookDelivery.status, WebhookDelivery.attempts, WebhookDelivery.last_error)
                    .where(WebhookDelivery.status != DeliveryStatus.SENT)
                    .limit(10)
                ).all()
            raise AssertionError(f"webhook deliveries not sent: {stuck}; workers' logs: {cluster.folder}") from None
        with cluster.app.app_context():
            event_ids = set(db.session.scalars(select(WebhookDelivery.event_id)))
            created = db.session.scalar(
                select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.event == "order.created")
            )
        assert created >= len(outcome.accepted_orders)
        assert event_ids <= {event["id"] for event in hook.events}
        assert sum(sent.values()) == len(event_ids)
