"""Prometheus metrics (`GET /metrics`).

Services count what happened with `count(...)` (one line at the place it happens); the request observer times
every request by Flask endpoint name (never the raw URL, so ids do not explode the label set); Celery signals
count task runs, failures and retries in the worker; the queue depth is read from the broker at scrape time.

With several processes (gunicorn workers, Celery's prefork pool) set `PROMETHEUS_MULTIPROC_DIR` to an empty folder
shared by the web and the worker of a host: prometheus_client then keeps each process's values in files there and
`/metrics` adds them up. Without it each process answers with its own numbers only.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from celery import signals as celery_signals
from flask import Flask
from kombu import Connection
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from marketplace.database import after_commit

log = logging.getLogger(__name__)

REQUEST_SECONDS = Histogram(
    "ocop_http_request_duration_seconds",
    "Time to answer a request, by Flask endpoint name",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
RESPONSES = Counter("ocop_http_responses_total", "Answers by endpoint and status class", ["endpoint", "status"])
CHECKOUTS = Counter("ocop_checkouts_total", "Checkouts placed (one per buyer action)", ["payment_method"])
PAYMENTS = Counter("ocop_payments_total", "Payments received, by gateway and outcome", ["gateway", "status"])
SCANS = Counter("ocop_scans_total", "Label scans recorded", ["via"])
NOTIFICATIONS = Counter("ocop_notifications_total", "Notifications sent, by channel", ["channel"])
COMPRESSIONS = Counter(
    "ocop_compressed_answers_total",
    "Dynamic answers compressed, by encoding and whether the compressed copy of an identical body was reused",
    ["encoding", "reused"],
)
TASK_RUNS = Counter("ocop_celery_task_runs_total", "Celery task runs started", ["task"])
TASK_FAILURES = Counter("ocop_celery_task_failures_total", "Celery task runs that raised", ["task"])
TASK_RETRIES = Counter("ocop_celery_task_retries_total", "Celery task runs that asked for a retry", ["task"])

COUNTERS = {
    "checkouts": CHECKOUTS,
    "payments": PAYMENTS,
    "scans": SCANS,
    "notifications": NOTIFICATIONS,
    "compressions": COMPRESSIONS,
}


def count(name: str, amount: float = 1, *, on_commit: bool = False, **labels: str) -> None:
    """Add to one of COUNTERS (`count("scans", via="qr")`). `on_commit=True` waits for the current database
    transaction to commit (a rolled-back checkout is not counted). Never raises: metrics must not break a sale."""

    def add() -> None:
        try:
            _counter(name, tuple(labels.items())).inc(amount)
        except Exception:  # a wrong label is a programming error, logged, not the buyer's problem
            log.exception("metric %s %s not counted", name, labels)

    if on_commit:
        after_commit(add)
    else:
        add()


@functools.lru_cache(maxsize=1024)
def _counter(name: str, labels: tuple[tuple[str, str], ...]) -> Any:
    """The child of one of COUNTERS for one label set, looked up once per process (a wrong label raises, uncached)."""
    return COUNTERS[name].labels(**dict(labels))


@functools.lru_cache(maxsize=2048)
def _request_metrics(endpoint: str, method: str, status_class: str) -> tuple[Any, Any]:
    """The histogram and counter children of one label set, looked up once per process (endpoints are few)."""
    return REQUEST_SECONDS.labels(endpoint, method), RESPONSES.labels(endpoint, status_class)


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    timing, answers = _request_metrics(endpoint, method, f"{status // 100}xx")
    timing.observe(seconds)
    answers.inc()


# --- Celery: counted in the worker process that runs the task -------------------------------------------------


def _task_name(sender) -> str:
    return getattr(sender, "name", None) or str(sender)


def _on_prerun(sender=None, task=None, **_kw) -> None:
    TASK_RUNS.labels(_task_name(task or sender)).inc()


def _on_failure(sender=None, **_kw) -> None:
    TASK_FAILURES.labels(_task_name(sender)).inc()


def _on_retry(sender=None, **_kw) -> None:
    TASK_RETRIES.labels(_task_name(sender)).inc()


def connect_celery_signals() -> None:
    celery_signals.task_prerun.connect(_on_prerun, weak=False, dispatch_uid="ocop-metrics-prerun")
    celery_signals.task_failure.connect(_on_failure, weak=False, dispatch_uid="ocop-metrics-failure")
    celery_signals.task_retry.connect(_on_retry, weak=False, dispatch_uid="ocop-metrics-retry")


# --- queue depth, read from the broker when scraped --------------------------------------------------------------


def queue_depth(app: Flask, timeout: float = 2.0) -> dict[str, int]:
    """Messages waiting per queue, best effort: the embedded broker's files, or a passive queue declaration on
    Redis/RabbitMQ (kombu) with a short timeout. An unreachable broker gives {} (readiness reports it)."""
    celery = app.extensions["celery"]
    queue = celery.conf.task_default_queue
    broker_url = app.config["CELERY_BROKER_URL"]
    if broker_url.startswith("filesystem://"):
        folder = Path(celery.conf.broker_transport_options["data_folder_in"])
        try:
            return {queue: sum(1 for path in folder.iterdir() if path.name.endswith(f".{queue}.msg"))}
        except OSError:
            return {}
    try:
        with Connection(
            broker_url,
            connect_timeout=timeout,
            transport_options={**celery.conf.broker_transport_options, "socket_timeout": timeout},
        ) as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
            declared = connection.default_channel.queue_declare(queue=queue, passive=True)
            return {queue: int(declared.message_count)}
    except Exception:  # best effort: any broker trouble just leaves the gauge out of this scrape
        log.warning("queue depth of %s unavailable", queue, exc_info=True)
        return {}


class QueueDepthCollector:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("ocop_celery_queue_depth", "Messages waiting in the Celery queue", labels=["queue"])
        for queue, depth in queue_depth(self.app).items():
            family.add_metric([queue], depth)
        yield family


def exposition(app: Flask) -> tuple[bytes, str]:
    """The Prometheus text of this process (or of every process, in multiprocess mode) plus the queue depth."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    scrape = CollectorRegistry()
    scrape.register(QueueDepthCollector(app))
    return body + generate_latest(scrape), CONTENT_TYPE_LATEST
