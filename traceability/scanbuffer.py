"""Buffered scan writes for the scan fast lane (`SCAN_BUFFER_SECONDS`, 1 by default; 0 writes every scan at once).

With the buffer on, the fast lane reads the label and whether the phone scanned it before (one SELECT, which never
waits for a writer in SQLite's WAL mode), shows the stored count plus the new devices still in this process's
buffer, appends the scan to this process's spool file (`traceability.scanspool`: on disk before the page is
answered) and keeps it in memory. The buffer is written in one transaction, in order, with the same statements
as a single scan (so the stored device count stays exact), except scans by a device the database had already
counted for the label, which only move its last-scan time: one UPDATE per label and one batch INSERT (see
`write_scans`). It is written when it holds `SCAN_BUFFER_SIZE` scans, when its oldest
scan is `SCAN_BUFFER_SECONDS` old (checked on every scan and by a background thread), before Flask records a scan
in the same process, and when the process exits normally (atexit: gunicorn's graceful stop and restart); then the
spool file is emptied. A process killed before it wrote its buffer leaves its spool file, and the next process to
buffer a scan (or any flusher, once a minute) writes those scans; a failed write keeps them for the next try. The
count another worker shows leaves out this worker's buffer until it is written.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy.engine import Engine

from marketplace.text import utcnow

from .scanpage import Device, PendingScan, ScanHit, peek_scan, scan_engine, write_scans
from .scanspool import Spool, recover, spool_folder

log = logging.getLogger(__name__)
RECOVER_EVERY_SECONDS = 60


@dataclass
class _Pending:
    """The scans waiting to be written, and per serial the new devices among them (how many, both hashes of each:
    a set, so a label scanned by thousands of new phones checks each scan in constant time) and the first one's
    time."""

    scans: list[PendingScan] = field(default_factory=list)
    new_devices: Counter[str] = field(default_factory=Counter)
    hashes: dict[str, set[str]] = field(default_factory=dict)
    first_at: dict[str, datetime] = field(default_factory=dict)
    since: float = 0.0


class ScanBuffer:
    """One per process; see the module docstring."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._pending = _Pending()
        self._app: Flask | None = None
        self._engine: Engine | None = None
        self._flusher: threading.Thread | None = None
        self._spool = Spool()
        self._folder = Path()

    def __len__(self) -> int:
        return len(self._pending.scans)

    def add(self, serial: str, device: Device, via: str = "qr", app: Flask | None = None) -> ScanHit | None:
        """Keep one scan of `/t/<serial>` for writing; the label as the page shows it (None: no such label). The
        scan fast lane passes its `app` and runs without an app context; others use the current app."""
        app = app or current_app._get_current_object()  # type: ignore[attr-defined]
        with self._lock:
            if self._app is not app:
                self._write()
                self._app = app
                self._folder = spool_folder(app.config["INSTANCE_PATH"])
                with app.app_context():
                    self._engine = scan_engine()
                    self._recover()
                self._start_flusher()
            found = peek_scan(serial, device, self._engine)
            if found is None:
                return None
            hit = self._counted(*found, device)
            counted_label = found[0].label_id if found[1] and found[0].first_scanned_at is not None else None
            scan = PendingScan(serial, via[:10], device, utcnow(), counted_label=counted_label)
            self._spool.append(self._folder, scan)
            self._pending.scans.append(scan)
            self._pending.since = self._pending.since or time.monotonic()
            if len(self) >= int(app.config["SCAN_BUFFER_SIZE"]) or self._overdue():
                self._write()
            return hit

    def _counted(self, hit: ScanHit, seen: bool, device: Device) -> ScanHit:
        """The hit with the buffered new devices of its label counted (and this one when it is new)."""
        pending = self._pending
        hashes = pending.hashes.setdefault(hit.serial, set())
        if not seen and device.hash not in hashes and device.fallback not in hashes:
            hashes.update((device.hash, device.fallback))
            pending.new_devices[hit.serial] += 1
            pending.first_at.setdefault(hit.serial, utcnow())
        first = hit.first_scanned_at or pending.first_at.get(hit.serial)
        return hit.counted(hit.scan_count + pending.new_devices[hit.serial], first)

    def _overdue(self) -> bool:
        seconds = float(self._app.config["SCAN_BUFFER_SECONDS"]) if self._app else 0.0
        return bool(self._pending.scans) and time.monotonic() - self._pending.since >= seconds

    def flush(self) -> int:
        """Write every buffered scan now; how many were written."""
        with self._lock:
            return self._write()

    def _write(self) -> int:
        pending = self._pending
        if not pending.scans or self._app is None:
            return 0
        try:
            with self._app.app_context():
                write_scans(pending.scans)
        except Exception:  # kept for the next try: a busy or restarting database must not lose scans
            log.exception("%d buffered scans not written yet", len(pending.scans))
            return 0
        self._pending = _Pending()
        self._spool.clear()
        return len(pending.scans)

    def _recover(self) -> int:
        """Write the scans that ended processes left in their spool files (call with an app context)."""
        try:
            return recover(self._folder, write_scans) if self._app else 0
        except Exception:  # the files stay for the next try
            log.exception("Spooled scans of ended processes not written yet")
            return 0

    def _start_flusher(self) -> None:
        if self._flusher is None or not self._flusher.is_alive():
            self._flusher = threading.Thread(target=self._flush_when_due, name="scan-buffer", daemon=True)
            self._flusher.start()

    def _flush_when_due(self) -> None:
        recovered_at = time.monotonic()
        while True:
            app = self._app
            time.sleep(float(app.config["SCAN_BUFFER_SECONDS"]) / 2 if app else 1.0)
            with self._lock:
                if self._overdue():
                    self._write()
                if self._app is not None and time.monotonic() - recovered_at >= RECOVER_EVERY_SECONDS:
                    recovered_at = time.monotonic()
                    with self._app.app_context():
                        self._recover()

    def close(self) -> None:
        """At a normal exit: write the buffer, then let go of the spool file."""
        with self._lock:
            self._write()
            self._spool.close()


buffer = ScanBuffer()
atexit.register(buffer.close)
