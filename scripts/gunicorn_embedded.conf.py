"""gunicorn settings for the embedded runtime (`make run`, `scripts/run.sh`): browsers reach gunicorn directly.

Threaded workers (gthread), not production's sync workers (`deploy/gunicorn.conf.py`). A browser opens connections
before it needs them (Chromium's preconnect) and may send nothing on them for a while. A sync worker that accepts
such a connection waits on it until its 30 s timeout, so with two workers two silent sockets stall every page for
30 s. A gthread worker waits for a request's first bytes on one of its threads (at most 5 s, then the connection goes
back to its poller) and serves requests on the other threads meanwhile. In production nginx stands in front and
hands gunicorn only whole requests, so sync workers stay right there.
"""

import os

bind = f"127.0.0.1:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_class = "gthread"
threads = 4  # a few silent preconnects never take every thread; the app's per-process caches are thread-safe
graceful_timeout = 5
accesslog = "-"
