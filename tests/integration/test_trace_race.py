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


def _scan_in_another_process(database_url: str, instance: str, serial: str, addresses: list[str], start) -> None:
    """A worker of its own (its own app, engine and scan connection) scanning the label from these addresses."""
    from pathlib import Path

    from tests.conftest import make_test_app

    app = make_test_app(database_url, Path(instance))
    with app.app_context():
        start.wait()
        for address in addresses:
            scanpage.record_scan(serial, device=scanpage.device_of(None, address, "phone"))


def test_scans_from_two_processes_are_all_counted_once_per_device(app, database_url, tmp_path):
    """Two workers scanning one label at once, ten phones each, five of them seen by both: 15 devices, 20 scans."""
    import multiprocessing

    batch = make_batch()
    serial = make_labels(batch, 1)[0].serial
    db.session.commit()
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    phones = [[f"10.1.0.{i}" for i in range(10)], [f"10.1.0.{i}" for i in range(5, 15)]]
    workers = [
        context.Process(target=_scan_in_another_process, args=(database_url, str(tmp_path), serial, phones[n], start))
        for n in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0]
    db.session.commit()
    assert db.session.scalar(select(Label.scan_count).where(Label.serial == serial)) == 15
    assert db.session.scalar(select(func.count(Scan.id))) == 20
