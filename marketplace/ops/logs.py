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
import os
import re
import secrets
import threading
import time
import weakref
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_request_id: ContextVar[str | None] = ContextVar("ocop_request_id", default=None)

request_log = logging.getLogger("marketplace.ops.request")
REQUEST_LINE = "%s %s %s"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# attributes every LogRecord has; anything else on a record came from `extra=` and goes into the JSON object
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}


def current_request_id() -> str | None:
    """The id of the request (or Celery task) being handled in this context, if any."""
    return _request_id.get()


def accept_request_id(raw: str | None) -> str:
    """The client's id when it is a sane token (proxies send UUIDs or hex), else a new one."""
    if raw and _VALID_ID.match(raw):
        return raw
    return secrets.token_hex(16)


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
    """The one line per request. `path` is PATH_INFO only: query strings may hold tokens and never get here."""
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
    request_log.handle(_request_record(level, (method, path, status), extra))


def _request_record(level: int, args: tuple, extra: dict[str, Any]) -> logging.LogRecord:
    """The request line's record, as `Logger.log` would make it with this module as its caller.

    `LogRecord.__init__` works out the same file, module and process names on every request (half the line's cost),
    so a record made once per level and process is copied and given the time, the thread, the arguments and `extra`.
    With a custom record factory (one that adds fields, as tracing libraries do) every record is made by it."""
    if logging.getLogRecordFactory() is not logging.LogRecord:
        return request_log.makeRecord(
            request_log.name, level, __file__, _CALLER_LINE, REQUEST_LINE, args, None, "log_request", extra
        )
    key = (level, os.getpid())
    template = _templates.get(key)
    if template is None:
        made = request_log.makeRecord(
            request_log.name, level, __file__, _CALLER_LINE, REQUEST_LINE, (), None, "log_request"
        )
        template = _templates[key] = dict(vars(made))
    record = logging.LogRecord.__new__(logging.LogRecord)
    fields = record.__dict__
    fields.update(template)
    now = time.time()  # the three time fields exactly as LogRecord.__init__ sets them
    fields["created"] = now
    fields["msecs"] = int((now - int(now)) * 1000) + 0.0
    fields["relativeCreated"] = (now - logging._startTime) * 1000
    fields["thread"] = threading.get_ident()  # a threaded server's threads come and go, and their idents are reused
    fields["threadName"] = threading.current_thread().name
    fields["args"] = args
    fields.update(extra)
    return record


class TextFormatter(logging.Formatter):
    """The plain-text line format, its date and time (whole seconds) formatted once a second."""

    def __init__(self, fmt: str = TEXT_FORMAT) -> None:
        super().__init__(fmt)
        self._second: int | None = None
        self._second_text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        if second != self._second:
            self._second_text = time.strftime(self.default_time_format, self.converter(second))
            self._second = second
        return self.default_msec_format % (self._second_text, record.msecs)


class BatchedStderrHandler(logging.StreamHandler):
    """stderr, written in batches like nginx's `access_log … buffer= flush=`: lines wait at most `seconds` (a
    thread of each process writes them), a warning or worse is written at once with every line before it, and so
    are `MAX_WAITING` lines. One `write()` per request line cost a signed-in page a tenth of its time under load
    (the system call, and waking the reader: journald, a container runtime, a terminal). What a killed process
    (SIGKILL) had not written yet is lost; a normal exit writes it (`logging.shutdown`)."""

    MAX_WAITING = 200

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self._waiting: list[str] = []
        self._writer_pid = 0
        _batched.add(self)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._waiting.append(self.format(record) + self.terminator)
        except Exception:
            self.handleError(record)
            return
        if record.levelno >= logging.WARNING or len(self._waiting) >= self.MAX_WAITING:
            self.flush()
        elif self._writer_pid != os.getpid():
            self._start_writer()

    def flush(self) -> None:
        with self.lock:
            if self._waiting:
                lines, self._waiting = "".join(self._waiting), []
                try:
                    self.stream.write(lines)
                except Exception:  # a closed or broken stderr must not fail the request that logged
                    return
            super().flush()

    def _start_writer(self) -> None:
        """A writer thread for this process (after a fork the parent's is gone)."""
        self._writer_pid = os.getpid()
        threading.Thread(target=self._write_waiting, name="log-writer", daemon=True).start()

    def _write_waiting(self) -> None:
        pid = os.getpid()
        while self._writer_pid == pid:
            time.sleep(self.seconds)
            self.flush()


_batched: weakref.WeakSet[BatchedStderrHandler] = weakref.WeakSet()


def _write_before_fork() -> None:
    """Write what waits before a fork, so that the parent writes it and the child starts with nothing waiting."""
    for handler in list(_batched):
        handler.flush()


def _forget_in_child() -> None:
    for handler in list(_batched):
        handler._waiting = []


os.register_at_fork(before=_write_before_fork, after_in_child=_forget_in_child)


def text_handler(flush_seconds: float = 0.0) -> logging.Handler:
    """The handler `create_app` gives the root logger when it has none: stderr, `TEXT_FORMAT`; lines written in
    batches when `flush_seconds` (`LOG_FLUSH_SECONDS`) is above 0."""
    handler = BatchedStderrHandler(flush_seconds) if flush_seconds > 0 else logging.StreamHandler()
    handler.setFormatter(TextFormatter())
    return handler


_CALLER_LINE = log_request.__code__.co_firstlineno
_templates: dict[tuple[int, int], dict[str, Any]] = {}
