"""The request id travels with the Celery tasks a request queues, and the worker's logs follow LOG_FORMAT.

`before_task_publish` adds a `request_id` message header (the id of the request or task that queues it);
`task_prerun` binds it in the worker for the task's log lines, `task_postrun` unbinds it. Celery replaces the root
logger's handlers when a worker starts, so `after_setup_logger` turns its handlers to JSON again.
"""

from __future__ import annotations

import logging
from contextlib import suppress

from celery import signals

from .logs import bind_request_id, current_request_id, unbind_request_id, use_json

HEADER = "request_id"
_TOKEN_ATTRIBUTE = "_ocop_request_id_binding"  # noqa: S105 — an attribute name, not a secret


def _add_request_id(headers=None, **_kw) -> None:
    request_id = current_request_id()
    if request_id and headers is not None and not headers.get(HEADER):
        headers[HEADER] = request_id


def _bind(task=None, **_kw) -> None:
    if task is None:
        return
    request_id = getattr(task.request, HEADER, None) or (task.request.headers or {}).get(HEADER)
    setattr(task.request, _TOKEN_ATTRIBUTE, bind_request_id(request_id))


def _unbind(task=None, **_kw) -> None:
    token = getattr(getattr(task, "request", None), _TOKEN_ATTRIBUTE, None)
    if token is not None:
        with suppress(ValueError):  # bound in another context (eager tasks inside a request): leave it
            unbind_request_id(token)


def connect(log_format: str) -> None:
    signals.before_task_publish.connect(_add_request_id, weak=False, dispatch_uid="ocop-request-id-publish")
    signals.task_prerun.connect(_bind, weak=False, dispatch_uid="ocop-request-id-prerun")
    signals.task_postrun.connect(_unbind, weak=False, dispatch_uid="ocop-request-id-postrun")
    if log_format == "json":

        def _json_handlers(logger: logging.Logger | None = None, **_kw) -> None:
            if logger is not None:
                use_json(logger.handlers)

        signals.after_setup_logger.connect(_json_handlers, weak=False, dispatch_uid="ocop-json-logger")
        signals.after_setup_task_logger.connect(_json_handlers, weak=False, dispatch_uid="ocop-json-task-logger")
