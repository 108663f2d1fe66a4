"""`make run` serves browsers with no proxy in front: connections a browser opens ahead of need must not stall pages.

Chromium opens sockets before it needs them and may send nothing on them for a while. Under sync workers each such
socket holds a whole worker until gunicorn's 30 s timeout (a browser test once waited past its 20 s on a product
page); `scripts/gunicorn_embedded.conf.py` uses threaded workers, which keep serving meanwhile.
"""

from __future__ import annotations

import socket
import urllib.request
from urllib.parse import urlsplit

from tests.factories.traceability import scan_server_env
from tests.perf.harness import EMBEDDED_CONFIG, GUNICORN_WORKERS, gunicorn_server

SYNC_WORKER_HOLD_SECONDS = 30  # gunicorn's default timeout: how long a sync worker waits on a silent socket


def test_pages_are_served_while_a_browser_holds_silent_connections(app, database_url, tmp_path):
    env = scan_server_env(database_url, tmp_path)
    with gunicorn_server(
        "marketplace:create_app()", env=env, ready_path="/.well-known/gs1resolver", config=EMBEDDED_CONFIG
    ) as base:
        address = urlsplit(base)
        silent = [socket.create_connection((address.hostname, address.port)) for _ in range(GUNICORN_WORKERS)]
        try:
            for path in ("/login", "/search?q=n%E1%BA%A5m", "/.well-known/gs1resolver"):
                with urllib.request.urlopen(base + path, timeout=SYNC_WORKER_HOLD_SECONDS / 2) as answer:
                    assert answer.status == 200  # a sync worker per silent socket would leave none to answer
        finally:
            for connection in silent:
                connection.close()
