"""Request ids and JSON log lines.

Every request carries an id: the `X-Request-ID` it came with (when it looks like one) or a new one. It is echoed in
the response header, put on every log record made while the request runs, and sent with every Celery task the
request queues (a message header), so the worker's log lines for that task carry it too.

`LOG_FORMAT=json` turns every log line of the web and worker processes into one JSON object; the web adds one line
per request (`marketplace.ops.request`) with the method, path (never the query string), endpoint, status, duration
and user id.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_request_id: ContextVar[str | None] = ContextVar("ocop_request_id", default=None)

request_log = logging.getLogger("marketplace.ops.request")

# attributes every LogRecord has; anything else on a record came from `extra=` and goes into the JSON object
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}


def current_request_id() -> str | None:
    """The id of the request (or Celery task) being handled in this context, if any."""
    return _request_id.get()


def accept_request_id(raw: str | None) -> str:
    """The client's id when it is a sane token (proxies send UUIDs or hex), else a new one."""
    if raw and _VALID_ID.match(raw):
        return raw
    return uuid.uuid4().hex


def bind_request_id(value: str | None):
    """Set the id for this context; returns the token for `unbind_request_id`."""
    return _request_id.set(value)


def unbind_request_id(token) -> None:
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record (empty outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = _request_id.get() or ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or _request_id.get() or "",
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def use_json(handlers: list[logging.Handler]) -> None:
    for handler in handlers:
        handler.setFormatter(JsonFormatter())
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())


def configure_logging(log_format: str) -> None:
    """`json`: every handler of the root logger writes JSON (one is added on stderr if there is none)."""
    root = logging.getLogger()
    if log_format != "json":
        for handler in root.handlers:
            if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
                handler.addFilter(RequestIdFilter())
        return
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    use_json(root.handlers)


def log_request(method: str, path: str, endpoint: str, status: int, duration_ms: float, user_id: int | None) -> None:
    """The one line per request. `path` is PATH_INFO only: query strings may hold tokens and never get here.

    The record is made here with this function as its caller, as `Logger.log` would make it, without its walk up
    the stack to find the caller (a third of the line's cost, on every request).
    """
    level = logging.DEBUG if endpoint in ("ops.healthz", "ops.readyz", "ops.metrics") else logging.INFO
    if not request_log.isEnabledFor(level):
        return
    extra = {
        "method": method,
        "path": path,
        "endpoint": endpoint,
        "status": status,
        "duration_ms": round(duration_ms, 2),
        "user_id": user_id,
    }
    record = request_log.makeRecord(
        request_log.name, level, __file__, _CALLER_LINE, "%s %s %s", (method, path, status), None, "log_request", extra
    )
    request_log.handle(record)


_CALLER_LINE = log_request.__code__.co_firstlineno
