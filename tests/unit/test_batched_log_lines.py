"""Log lines written to stderr in batches (`LOG_FLUSH_SECONDS`): late by at most the interval, never lost at a
normal exit, at once for a warning, and still written in a process forked after the first line (gunicorn's workers).
Each case runs in a real Python process whose stderr is a pipe, as under systemd or a container runtime."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import textwrap
import time

SETUP = """
import logging, os, sys, time
from marketplace.ops.logs import text_handler
logging.basicConfig(level=logging.INFO, handlers=[text_handler({seconds})])
log = logging.getLogger("market")
"""


def _start(seconds: float, body: str) -> subprocess.Popen:
    code = SETUP.format(seconds=seconds) + textwrap.dedent(body)
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(stream, marker: str, limit: float = 20.0) -> str:
    """What `stream` carries up to and with `marker` (read from its file descriptor: no buffer hides a line)."""
    seen, deadline = b"", time.monotonic() + limit
    while marker.encode() not in seen:
        ready, _, _ = select.select([stream], [], [], max(deadline - time.monotonic(), 0))
        assert ready, f"{marker!r} never came; got {seen.decode()!r}"
        chunk = os.read(stream.fileno(), 65536)
        assert chunk, f"{marker!r} never came before the end; got {seen.decode()!r}"
        seen += chunk
    return seen.decode()


def _has_output(stream) -> bool:
    return bool(select.select([stream], [], [], 0)[0])


def test_lines_wait_for_the_interval_then_come_in_order():
    child = _start(3, 'for n in range(3): log.info("phiên %d", n)\nprint("logged", flush=True)\ntime.sleep(30)')
    try:
        _wait_for(child.stdout, "logged")
        assert not _has_output(child.stderr)
        lines = _wait_for(child.stderr, "phiên 2")
        assert [line.split(": ", 1)[1] for line in lines.splitlines()] == ["phiên 0", "phiên 1", "phiên 2"]
    finally:
        child.kill()
        child.wait()


def test_a_warning_is_written_at_once_with_the_lines_before_it():
    child = _start(600, 'log.info("trước"); log.warning("Kho hết hàng")\nprint("logged", flush=True)\ntime.sleep(30)')
    try:
        _wait_for(child.stdout, "logged")
        lines = _wait_for(child.stderr, "Kho hết hàng", limit=5)
        assert "INFO market: trước" in lines.splitlines()[0]
        assert "WARNING market: Kho hết hàng" in lines.splitlines()[1]
    finally:
        child.kill()
        child.wait()


def test_a_normal_exit_writes_every_waiting_line():
    child = _start(600, 'for n in range(500): log.info("dòng %d", n)')
    _out, err = child.communicate(timeout=30)
    assert child.returncode == 0
    assert [line.rsplit(" ", 1)[1] for line in err.decode().splitlines()] == [str(n) for n in range(500)]


def test_a_forked_process_writes_its_own_lines():
    body = """
    log.info("cha")
    if os.fork() == 0:
        log.info("con")
        time.sleep(3)
        os._exit(0)  # no exit handlers: only the child's own writer thread can have written the line
    os.wait()
    print("done", flush=True)
    time.sleep(30)
    """
    child = _start(0.2, body)
    try:
        _wait_for(child.stdout, "done", limit=30)
        lines = _wait_for(child.stderr, ": con")
        assert ": cha" in lines
    finally:
        child.kill()
        child.wait()
