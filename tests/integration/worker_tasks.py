"""Tasks only the worker tests load (`celery worker -I tests.integration.worker_tasks`)."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from celery import shared_task

from marketplace.ops.logs import current_request_id


@shared_task(name="tests.slow_idempotent")
def slow_idempotent(folder: str, token: str, seconds: float) -> str:
    """Log each start, sleep, then apply the effect once: a re-run after a crash finds it done."""
    base = Path(folder)
    with (base / "starts.log").open("a") as log:
        log.write(f"{token} {os.getpid()}\n")
    time.sleep(seconds)
    try:
        marker = os.open(base / f"done-{token}", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return "already done"
    os.close(marker)
    with (base / "effects.log").open("a") as log:
        log.write(f"{token}\n")
    return "done"


@shared_task(name="tests.record_request_id")
def record_request_id(folder: str) -> str:
    """Write the request id the task runs under (from its message header) and log a line with it."""
    request_id = current_request_id() or ""
    (Path(folder) / "request_id.txt").write_text(request_id)
    logging.getLogger("tests.worker").info("task saw its request id")
    return request_id
