"""A gunicorn worker killed with SIGKILL while holding buffered scans: the next worker writes them, none twice."""

from __future__ import annotations

import os
import signal
import urllib.request

from sqlalchemy import func, select

from marketplace.extensions import db
from tests.factories.traceability import make_batch, make_labels, scan_server_env
from tests.perf.harness import gunicorn_server
from traceability.models import Scan
from traceability.scanspool import spool_folder

SCANS_BEFORE_KILL = 5


def _scan(base: str, serial: str) -> None:
    with urllib.request.urlopen(f"{base}/t/{serial}", timeout=30) as answer:
        assert answer.status == 200


def _stored() -> int:
    db.session.rollback()  # a fresh snapshot: the server wrote on its own connections
    return db.session.scalar(select(func.count(Scan.id)))


def _spool_owner(folder) -> int:
    """The process id in the name of the one spool file that holds scans."""
    files = [path for path in folder.glob("*.scans") if path.stat().st_size]
    assert len(files) == 1
    return int(files[0].name.split("-")[0])


def test_scans_of_a_killed_worker_are_written_by_its_replacement(app, database_url, tmp_path):
    serial = make_labels(make_batch(), 1)[0].serial
    db.session.commit()
    # only a kill, a replacement or a normal stop writes the buffer here
    env = scan_server_env(database_url, tmp_path, SCAN_BUFFER_SECONDS="600")
    with gunicorn_server("marketplace:create_app()", env=env, workers=1, ready_path="/.well-known/gs1resolver") as base:
        for _ in range(SCANS_BEFORE_KILL):
            _scan(base, serial)
        assert _stored() == 0
        worker = _spool_owner(spool_folder(tmp_path))
        os.kill(worker, signal.SIGKILL)
        _scan(base, serial)  # waits in the listen queue for the replacement, whose first buffered scan writes the spool
        assert _stored() == SCANS_BEFORE_KILL
    assert _stored() == SCANS_BEFORE_KILL + 1  # the replacement wrote its own buffer at its normal stop
    assert not list(spool_folder(tmp_path).glob("*.scans"))
