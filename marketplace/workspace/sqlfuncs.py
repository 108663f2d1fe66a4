"""Portable SQL for grouping UTC timestamps by Vietnam-time month and day (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

VN_OFFSET_HOURS = 7  # Asia/Ho_Chi_Minh has had no daylight saving since 1975


class local_month(FunctionElement):
    """'YYYY-MM' of a UTC timestamp in Vietnam time."""

    type = String()
    name = "local_month"
    inherit_cache = True


class local_day(FunctionElement):
    """'YYYY-MM-DD' of a UTC timestamp in Vietnam time."""

    type = String()
    name = "local_day"
    inherit_cache = True


@compiles(local_month, "sqlite")
def _month_sqlite(element, compiler, **kw) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)}, '+{VN_OFFSET_HOURS} hours')"


@compiles(local_day, "sqlite")
def _day_sqlite(element, compiler, **kw) -> str:
    return f"strftime('%Y-%m-%d', {compiler.process(element.clauses, **kw)}, '+{VN_OFFSET_HOURS} hours')"


@compiles(local_month, "postgresql")
def _month_pg(element, compiler, **kw) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM')"


@compiles(local_day, "postgresql")
def _day_pg(element, compiler, **kw) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD')"
