"""Portable SQL for grouping UTC timestamps by hour (SQLite and PostgreSQL), and Vietnam-time buckets of them.

Grouping by the UTC hour is cheap on both databases (on SQLite a prefix of the stored text, on PostgreSQL
`date_trunc`, both answered from a covering index without touching the table); the few thousand hourly rows are
then added up into Vietnam days or months in Python. Vietnam (Asia/Ho_Chi_Minh) has been UTC+7 without daylight
saving since 1975, so every UTC hour falls into exactly one Vietnam day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType

VN_OFFSET_HOURS = 7
FIRST_HOUR_OF_NEXT_VN_DAY = 24 - VN_OFFSET_HOURS  # 17:00 UTC is midnight in Vietnam


class utc_hour(FunctionElement):
    """The UTC hour of a timestamp: 'YYYY-MM-DD HH' text on SQLite, a truncated timestamp on PostgreSQL."""

    type = NullType()
    name = "utc_hour"
    inherit_cache = True


@compiles(utc_hour, "sqlite")
def _hour_sqlite(element, compiler, **kw) -> str:
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' text; its first 13 characters are the hour.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 13)"


@compiles(utc_hour, "postgresql")
def _hour_pg(element, compiler, **kw) -> str:
    return f"date_trunc('hour', ({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC')"


@lru_cache(maxsize=4096)
def _next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def local_bucket(hour: str | datetime, by_month: bool) -> str:
    """A UTC hour ('YYYY-MM-DD HH' or a datetime) as its Vietnam month ('YYYY-MM') or day ('YYYY-MM-DD')."""
    if isinstance(hour, datetime):
        hour = f"{hour:%Y-%m-%d %H}"
    day = hour[:10] if int(hour[11:13]) < FIRST_HOUR_OF_NEXT_VN_DAY else _next_day(hour[:10])
    return day[:7] if by_month else day
