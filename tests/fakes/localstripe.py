"""One real localstripe server per test process, shared by every module that pays by card.

localstripe keeps its state in a fixed file, /tmp/localstripe.pickle, read at start and written on every change: two
servers in one process would read each other's half-written file, and an old file makes the start slow. So each
process starts one server, from a clean file, and stops it when the process ends.
"""

from __future__ import annotations

import atexit
import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

STATE_FILE = Path("/tmp/localstripe.pickle")
_url: str | None = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str, api_key: str) -> bool:
    with contextlib.suppress(OSError):
        request = urllib.request.Request(url + "/v1/balance", headers={"Authorization": f"Bearer {api_key}"})
        urllib.request.urlopen(request, timeout=1).read()
        return True
    return False


def localstripe_server(api_key: str, wait_seconds: float = 180) -> str:
    """The base URL of this process's localstripe, started on first use."""
    global _url
    if _url is not None:
        return _url
    STATE_FILE.unlink(missing_ok=True)
    url = f"http://127.0.0.1:{_free_port()}"
    binary = Path(sys.executable).parent / "localstripe"
    process = subprocess.Popen(
        [str(binary), "--port", url.rsplit(":", 1)[1]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    atexit.register(process.terminate)
    deadline = time.monotonic() + wait_seconds
    while process.poll() is None and time.monotonic() < deadline:
        if _answers(url, api_key):
            _url = url
            return url
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"localstripe did not answer on {url} (exit code {process.poll()})")
