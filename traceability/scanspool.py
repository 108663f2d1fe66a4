"""The scan write buffer's spool: every buffered scan is on disk before its page is answered.

Each process appends the scans it buffers to a file of its own, `<instance>/scan-spool/<pid>-<random>.scans` (one
JSON line per scan, one `write()` each), holds an exclusive `flock` on that file for as long as it lives, and
empties the file once the buffer's transaction has committed. A process that dies before it wrote its buffer
(SIGKILL, a crash, an out-of-memory kill) leaves its file behind, unlocked; the next process that buffers a scan,
and every flusher thread once a minute, takes such files over and writes their scans. A scan already stored (the
process died between its commit and emptying the file) is recognised by its label, device and exact time and is
not written twice. This is the guarantee a committed scan had before: SQLite runs in WAL mode with
`synchronous=NORMAL`, so a commit too survives a killed process, not a power cut before the operating system
writes its pages.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from marketplace.extensions import db

from .models import Label, Scan
from .scanpage import Device, PendingScan

log = logging.getLogger(__name__)
FOLDER = "scan-spool"
SUFFIX = ".scans"
_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # made once: `json.dumps` with options
# builds a new encoder per call


def spool_folder(instance_path: str | Path) -> Path:
    return Path(instance_path) / FOLDER


def encode(scan: PendingScan) -> bytes:
    """One spool line: the scan as a JSON array."""
    device = scan.device
    fields = [scan.serial, scan.via, device.hash, device.fallback, scan.at.isoformat(), scan.gtin, scan.lot]
    return _LINE_ENCODER.encode(fields).encode() + b"\n"


def decode(line: bytes) -> PendingScan:
    serial, via, device_hash, fallback, at, gtin, lot = json.loads(line)
    return PendingScan(serial, via, Device(device_hash, fallback, None), datetime.fromisoformat(at), gtin, lot)


class Spool:
    """This process's spool file, opened on first use (after gunicorn forks) in `folder`."""

    def __init__(self) -> None:
        self._fd: int | None = None
        self._pid = 0
        self._folder: Path | None = None
        self.path: Path | None = None

    def append(self, folder: Path, scan: PendingScan) -> None:
        os.write(self._open(folder), encode(scan))

    def clear(self) -> None:
        """Empty the file: its scans are committed."""
        if self._fd is not None and self._pid == os.getpid():
            os.ftruncate(self._fd, 0)

    def close(self) -> None:
        """At a normal exit: close this process's file, and remove it when it holds no scans."""
        self._close_own()

    def _open(self, folder: Path) -> int:
        if self._fd is not None and self._pid == os.getpid() and self._folder is folder:
            return self._fd
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{os.getpid()}-{secrets.token_hex(4)}{SUFFIX}"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)  # released by the kernel when this process ends, however it ends
        self._close_own()
        self._fd, self._pid, self.path, self._folder = fd, os.getpid(), path, folder
        return fd

    def _close_own(self) -> None:
        """Close the file this process had before (another folder); one inherited through a fork is left alone."""
        if self._fd is not None and self._pid == os.getpid():
            with contextlib.suppress(OSError):
                os.close(self._fd)
                if self.path is not None and self.path.stat().st_size == 0:
                    self.path.unlink()  # a file still holding scans stays for `recover`
        self._fd = None


def recover(folder: Path, write: Callable[[list[PendingScan]], object]) -> int:
    """Write the scans of every spool file in `folder` that no living process holds; how many were written."""
    if not folder.is_dir():
        return 0
    written = 0
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        written += _take_over(path, write)
    return written


def _take_over(path: Path, write: Callable[[list[PendingScan]], object]) -> int:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return 0  # another process took it over first
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0  # its process is alive
        if not os.path.exists(path):
            return 0
        scans = _unstored(_read(fd, path))
        if scans:
            write(scans)
            log.warning("Wrote %d scans left in %s by a process that ended", len(scans), path.name)
        path.unlink(missing_ok=True)
        return len(scans)
    finally:
        os.close(fd)


def _read(fd: int, path: Path) -> list[PendingScan]:
    with os.fdopen(os.dup(fd), "rb") as file:
        lines = file.read().splitlines()
    scans = []
    for line in lines:
        try:
            scans.append(decode(line))
        except (ValueError, TypeError):
            log.warning("Skipped an unreadable line in %s", path.name)
    return scans


def _unstored(scans: list[PendingScan]) -> list[PendingScan]:
    """The scans not in the database yet (a process can die between its commit and emptying its file)."""
    stored = select(Scan.id).join(Label, Label.id == Scan.label_id)
    try:
        return [
            scan
            for scan in scans
            if db.session.scalar(
                stored.where(
                    Label.serial == scan.serial, Scan.device_hash == scan.device.hash, Scan.scanned_at == scan.at
                ).limit(1)
            )
            is None
        ]
    finally:
        db.session.rollback()
