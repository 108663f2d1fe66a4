"""Concurrent appends to one batch and concurrent scans of one label, each in its own thread and request."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select

from marketplace.extensions import db
from tests.factories import api_token
from tests.factories.traceability import make_batch, make_labels
from traceability import scanpage
from traceability.models import Batch, Label, Scan
from traceability.services import verify_chain

WRITERS = 12


def _race(count: int, work: Callable[[int], int]) -> list[int]:
    start = threading.Barrier(count)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            start.wait()
            statuses.append(work(index))
        except BaseException as error:  # surfaced by the assert below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return statuses


def test_concurrent_appends_keep_one_unbroken_chain(app, client):
    batch = make_batch(events=())
    headers = api_token(client, batch.cooperative.members[0].email)
    code = batch.code

    def append(index: int) -> int:
        body = {"stage": "care", "note": f"lần {index}"}
        return app.test_client().post(f"/api/v1/batches/{code}/events", json=body, headers=headers).status_code

    statuses = _race(WRITERS, append)
    assert statuses == [201] * WRITERS  # the batch row lock serialises appenders; none hits the unique seq
    db.session.commit()
    fresh = db.session.scalar(select(Batch).where(Batch.code == code))
    status = verify_chain(fresh)
    assert status.valid and status.checked == WRITERS


def test_concurrent_scans_are_all_counted(app):
    """Twelve phones at once are twelve devices; twelve more scans from one of them at once add none."""
    scanpage.cache.clear()
    batch = make_batch()
    serial = make_labels(batch, 1)[0].serial
    db.session.commit()

    def phone(index: int) -> int:
        return app.test_client().get(f"/t/{serial}", environ_base={"REMOTE_ADDR": f"10.0.0.{index}"}).status_code

    assert _race(WRITERS, phone) == [200] * WRITERS
    db.session.commit()
    assert db.session.scalar(select(Label.scan_count).where(Label.serial == serial)) == WRITERS
    assert _race(WRITERS, lambda _i: phone(3)) == [200] * WRITERS
    db.session.commit()
    assert db.session.scalar(select(Label.scan_count).where(Label.serial == serial)) == WRITERS
    assert db.session.scalar(select(func.count(Scan.id))) == 2 * WRITERS
