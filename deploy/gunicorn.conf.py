"""gunicorn settings for production (`gunicorn --config deploy/gunicorn.conf.py 'marketplace:create_app()'`)."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", "2"))  # sync workers, about one per core: the app is CPU-bound
worker_class = "sync"
timeout = 60
graceful_timeout = 30
# With LOG_FORMAT=json the app writes one JSON line per request (with its request id): no second access log.
accesslog = None if os.environ.get("LOG_FORMAT") == "json" else "-"
errorlog = "-"


def child_exit(_server, worker) -> None:
    """Prometheus multiprocess mode: forget the live gauges of a worker process that ended."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # noqa: PLC0415 — late: only in multiprocess mode

        multiprocess.mark_process_dead(worker.pid)
