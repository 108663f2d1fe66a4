"""The request log line: a record copied from a template must be the record `Logger.makeRecord` would make."""

from __future__ import annotations

import logging
import threading
import time

from marketplace.ops import logs


def _made_the_usual_way(args: tuple, extra: dict) -> logging.LogRecord:
    log = logs.request_log
    line = logs.log_request.__code__.co_firstlineno
    return log.makeRecord(
        log.name, logging.INFO, logs.__file__, line, logs.REQUEST_LINE, args, None, "log_request", extra
    )


def test_a_request_record_has_every_field_of_a_record_made_by_logging():
    extra = {
        "method": "GET",
        "path": "/t/ABC",
        "endpoint": "fast_lane",
        "status": 200,
        "duration_ms": 0.5,
        "user_id": None,
    }
    before = time.time()
    copied = logs._request_record(logging.INFO, ("GET", "/t/ABC", 200), extra)
    usual = _made_the_usual_way(("GET", "/t/ABC", 200), extra)
    assert before <= copied.created <= usual.created
    assert 0 <= copied.msecs < 1000 and copied.msecs == int((copied.created % 1) * 1000)
    timed = {"created", "msecs", "relativeCreated"}
    assert {k: v for k, v in vars(copied).items() if k not in timed} == {
        k: v for k, v in vars(usual).items() if k not in timed
    }
    assert copied.getMessage() == "GET /t/ABC 200" and copied.funcName == "log_request"


def test_records_made_in_another_thread_carry_that_thread():
    seen = []
    worker = threading.Thread(target=lambda: seen.append(logs._request_record(logging.INFO, ("GET", "/", 200), {})))
    worker.start()
    worker.join()
    assert seen[0].thread == worker.ident and seen[0].threadName == worker.name
    assert logs._request_record(logging.INFO, ("GET", "/", 200), {}).thread == threading.get_ident()


def test_a_custom_record_factory_makes_every_request_record(monkeypatch):
    class Traced(logging.LogRecord):
        trace_id = "t-1"

    monkeypatch.setattr(logging, "_logRecordFactory", Traced)
    assert isinstance(logs._request_record(logging.INFO, ("GET", "/", 200), {}), Traced)


def test_the_text_line_has_the_time_to_the_millisecond_across_seconds():
    formatter = logs.TextFormatter()
    usual = logging.Formatter(logs.TEXT_FORMAT)
    for created in (1_764_800_000.123, 1_764_800_000.999, 1_764_800_001.0, 1_764_800_061.5):
        record = logs._request_record(logging.INFO, ("GET", "/", 200), {})
        record.created, record.msecs = created, int((created % 1) * 1000) + 0.0
        assert formatter.format(record) == usual.format(record)
