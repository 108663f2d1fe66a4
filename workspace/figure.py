"""One dashboard figure: a chart (inline SVG) plus the same numbers as a table, and the labels figures share."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup


@dataclass
class Figure:
    """A chart and its table; `key` names it for tests and anchors."""

    key: str
    title: str
    chart: Markup
    headers: list[str]
    rows: list[list[str]]
    note: str = ""
    total: list[str] = field(default_factory=list)


def month_label(month: str) -> str:
    """'2026-03' → '03/2026'."""
    year, number = month.split("-")
    return f"{number}/{year}"


def day_label(day: str) -> str:
    """'2026-03-09' → '09/03'."""
    _year, month, number = day.split("-")
    return f"{number}/{month}"


def empty_text() -> str:
    return _("Chưa có dữ liệu trong khoảng thời gian này")
