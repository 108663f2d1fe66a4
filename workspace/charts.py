"""Small server-side SVG charts (bar, horizontal bar, line, donut): pure functions, no I/O, no script.

Every chart is an `<svg role="img">` with `<title>` and `<desc>` for screen readers, draws with presentation
attributes only (the CSP forbids `style=`), escapes every label, and uses a 360-unit-wide viewBox so that it
reads on a 360 px phone at 100 % width. Text is at least `FONT_SIZE` units, so that it stays 11 px or more where
the chart is drawn about 300 px wide (a phone's card). The page shows the same numbers as a table beside each chart.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypedDict, Unpack

from flask_babel import gettext as _
from markupsafe import Markup, escape

# The palette of static/css/app.css.
GREEN = "#1f6f43"
GREEN_DARK = "#15502f"
GOLD = "#b7791f"
WARN = "#b3261e"
MUTED = "#5c6b63"
LINE = "#d8e0db"
INK = "#1d2521"
SERIES_COLOURS = (GREEN, GOLD, MUTED, WARN, GREEN_DARK, LINE)

WIDTH = 360
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, Arial, sans-serif"
LABEL_LIMIT = 34
FONT_SIZE = 14  # viewBox units: 14 × 300 / 360 ≈ 11.7 px on a 360 px phone
CHAR_WIDTH = 0.6 * FONT_SIZE  # a generous average glyph width, to leave room for the value axis labels


@dataclass(frozen=True)
class Point:
    """One labelled value of a chart."""

    label: str
    value: int


Formatter = Callable[[int], str]


def group_digits(value: int) -> str:
    """1234567 → '1.234.567' (Vietnamese thousands separator)."""
    sign = "-" if value < 0 else ""
    return sign + f"{abs(int(value)):,}".replace(",", ".")


def number_units() -> tuple[tuple[int, str], ...]:
    """The words people read large numbers with (translated: "thousand", "million", "billion" in English)."""
    return ((1_000_000_000, _("tỷ")), (1_000_000, _("triệu")), (1_000, _("nghìn")))


def compact_number(value: int) -> str:
    """Short axis labels as people say them: 200.000 → '200 nghìn', 1.200.000 → '1,2 triệu', 3.10⁹ → '3 tỷ'."""
    for size, unit in number_units():
        if abs(value) >= size:
            shown = f"{value / size:.1f}".rstrip("0").rstrip(".").replace(".", ",")
            return f"{shown} {unit}"
    return str(int(value))


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `value` (the top of the value axis)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * magnitude
        if candidate >= value:
            return math.ceil(candidate)
    return 10 * magnitude  # pragma: no cover - the loop always returns


TICKS = 4
TICK_STEPS = (1, 2, 2.5, 3, 4, 5, 6, 8, 10)


def axis_top(value: int) -> int:
    """The top of a value axis with four whole-number steps of a round size: 1 → 4, 10 → 12, 74 → 80."""
    wanted = max(value, 1) / TICKS
    magnitude = 10 ** math.floor(math.log10(wanted))
    for step in TICK_STEPS:
        size = step * magnitude
        if size >= wanted and size == int(size):
            return TICKS * int(size)
    return TICKS * 10 * magnitude  # pragma: no cover - the loop always returns


def shorten(label: str, limit: int = LABEL_LIMIT) -> str:
    """Cut a long label with an ellipsis; the full text stays in the element's <title>."""
    label = " ".join(str(label).split())
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _chart_id(kind: str, title: str, points: Sequence[Point]) -> str:
    digest = hashlib.sha256(f"{kind}|{title}|{[(p.label, p.value) for p in points]}".encode()).hexdigest()
    return f"chart-{kind}-{digest[:10]}"


def _open(kind: str, title: str, desc: str, points: Sequence[Point], height: int) -> list[str]:
    ident = _chart_id(kind, title, points)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg chart-{kind}" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'font-family="{FONT}" font-size="{FONT_SIZE}" fill="{INK}">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(desc)}</desc>',
    ]


def _close(parts: list[str]) -> Markup:
    """Finish the SVG; every text and attribute inside was escaped where it was added."""
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 — labels pass through escape() above


def _empty(kind: str, title: str, desc: str, empty_text: str) -> Markup:
    parts = _open(kind, title, desc, (), 60)
    parts.append(f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="59" rx="8" fill="none" stroke="{LINE}"/>')
    parts.append(f'<text x="{WIDTH / 2}" y="35" text-anchor="middle" fill="{MUTED}">{escape(empty_text)}</text>')
    return _close(parts)


def _is_empty(points: Sequence[Point]) -> bool:
    return not points or all(p.value == 0 for p in points)


def describe(points: Sequence[Point], fmt: Formatter = group_digits) -> str:
    """A one-sentence text alternative listing every value: 'T1: 3; T2: 5'."""
    return "; ".join(f"{shorten(p.label, 60)}: {fmt(p.value)}" for p in points)


def _label_every(count: int, room: float, label_width: float) -> int:
    """Show every n-th category label so labels never overlap."""
    fits = max(1, int(room // label_width))
    return max(1, math.ceil(count / fits))


def tick_labels(axis_max: int, tick_fmt: Formatter) -> list[str]:
    """The value axis labels from 0 to `axis_max`, bottom to top."""
    return [tick_fmt(round(axis_max * i / TICKS)) for i in range(TICKS + 1)]


def axis_margin(labels: Sequence[str]) -> int:
    """Room left of the plot for the widest value label ("200 nghìn" needs more than "32")."""
    return math.ceil(max(len(label) for label in labels) * CHAR_WIDTH) + 8


def _value_axis(parts: list[str], top: int, left: int, plot_h: int, labels: Sequence[str]) -> None:
    for i, label in enumerate(labels):
        y = top + plot_h - plot_h * i / TICKS
        parts.append(f'<line x1="{left}" x2="{WIDTH - 6}" y1="{y:.1f}" y2="{y:.1f}" stroke="{LINE}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 5:.1f}" text-anchor="end" fill="{MUTED}">{escape(label)}</text>')


def hbar_chart(
    points: Sequence[Point],
    *,
    title: str,
    desc: str | None = None,
    value_format: Formatter = group_digits,
    empty_text: str = "—",
    colour: str = GREEN,
) -> Markup:
    """Horizontal bars, one row per item (cooperatives, products): the label sits above its bar."""
    desc = desc if desc is not None else describe(points, value_format)
    if _is_empty(points):
        return _empty("hbar", title, desc, empty_text)
    row_h, left, right = 42, 4, 4
    height = row_h * len(points) + 6
    top_value = max(p.value for p in points) or 1
    parts = _open("hbar", title, desc, points, height)
    room = WIDTH - left - right
    for i, point in enumerate(points):
        y = 4 + row_h * i
        bar_w = max(2.0, room * 0.72 * max(point.value, 0) / top_value)
        parts.append(
            f"<g><title>{escape(point.label)}: {escape(value_format(point.value))}</title>"
            f'<text x="{left}" y="{y + 14}">{escape(shorten(point.label))}</text>'
            f'<rect x="{left}" y="{y + 20}" width="{bar_w:.1f}" height="14" rx="2" fill="{colour}"/>'
            f'<text x="{left + bar_w + 4:.1f}" y="{y + 33}" fill="{MUTED}">'
            f"{escape(value_format(point.value))}</text></g>"
        )
    return _close(parts)


class CategoryChartOptions(TypedDict, total=False):
    """What bar and line charts take besides their points and title."""

    desc: str | None
    value_format: Formatter
    tick_format: Formatter
    empty_text: str
    colour: str


@dataclass(frozen=True)
class _Plot:
    """The drawing area of a chart with a value axis on its left."""

    top: int
    left: int
    width: int
    height: int
    axis_max: int

    def y(self, value: int) -> float:
        return self.top + self.height - self.height * max(value, 0) / self.axis_max


def bar_chart(points: Sequence[Point], *, title: str, **options: Unpack[CategoryChartOptions]) -> Markup:
    """Vertical bars over categories in order (months, days); values must be ≥ 0."""
    return _category_chart("bar", _draw_bars, points, title, height=220, bottom=28, right=6, **options)


def line_chart(points: Sequence[Point], *, title: str, **options: Unpack[CategoryChartOptions]) -> Markup:
    """A line over ordered categories (days), with a light area under it and markers when few points."""
    return _category_chart("line", _draw_line, points, title, height=200, bottom=30, right=10, **options)


def _category_chart(
    kind: str,
    draw: Callable[[list[str], Sequence[Point], _Plot, Formatter, str], None],
    points: Sequence[Point],
    title: str,
    *,
    height: int,
    bottom: int,
    right: int,
    desc: str | None = None,
    value_format: Formatter = group_digits,
    tick_format: Formatter = compact_number,
    empty_text: str = "—",
    colour: str = GREEN,
) -> Markup:
    """Values over ordered categories: the value axis and its grid, then `draw` puts the marks on it."""
    desc = desc if desc is not None else describe(points, value_format)
    if _is_empty(points):
        return _empty(kind, title, desc, empty_text)
    axis_max = axis_top(max(p.value for p in points))
    ticks = tick_labels(axis_max, tick_format)
    top, left = 12, axis_margin(ticks)
    plot = _Plot(top, left, WIDTH - left - right, height - top - bottom, axis_max)
    parts = _open(kind, title, desc, points, height)
    _value_axis(parts, top, left, plot.height, ticks)
    draw(parts, points, plot, value_format, colour)
    return _close(parts)


def _draw_bars(parts: list[str], points: Sequence[Point], plot: _Plot, value_format: Formatter, colour: str) -> None:
    slot = plot.width / len(points)
    bar_w = max(2.0, slot * 0.7)
    every = _label_every(len(points), plot.width, max(len(shorten(p.label, 8)) for p in points) * CHAR_WIDTH + 10)
    label_y = plot.top + plot.height + 18
    for i, point in enumerate(points):
        bar_h = plot.height * max(point.value, 0) / plot.axis_max
        x = plot.left + slot * i + (slot - bar_w) / 2
        y = plot.top + plot.height - bar_h
        parts.append(
            f"<g><title>{escape(point.label)}: {escape(value_format(point.value))}</title>"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{bar_h:.1f}" rx="2" fill="{colour}"/></g>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{label_y}" text-anchor="middle">'
                f"{escape(shorten(point.label, 8))}</text>"
            )


def _draw_line(parts: list[str], points: Sequence[Point], plot: _Plot, value_format: Formatter, colour: str) -> None:
    step = plot.width / max(1, len(points) - 1)
    coords = [
        (plot.left + (step * i if len(points) > 1 else plot.width / 2), plot.y(p.value)) for i, p in enumerate(points)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    base = plot.top + plot.height
    area = f"{coords[0][0]:.1f},{base} {line} {coords[-1][0]:.1f},{base}"
    parts.append(f'<polygon points="{area}" fill="{colour}" fill-opacity="0.12"/>')
    parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2" stroke-linejoin="round"/>')
    markers = len(points) <= 45
    for (x, y), point in zip(coords, points, strict=True):
        radius = 3 if markers else 0.01
        parts.append(
            f"<g><title>{escape(point.label)}: {escape(value_format(point.value))}</title>"
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{colour}"/></g>'
        )
    for i in sorted({0, len(points) // 2, len(points) - 1}):
        anchor = "start" if i == 0 and len(points) > 1 else "end" if i == len(points) - 1 > 0 else "middle"
        parts.append(
            f'<text x="{coords[i][0]:.1f}" y="{base + 18}" text-anchor="{anchor}">'
            f"{escape(shorten(points[i].label, 12))}</text>"
        )


def _arc(cx: float, cy: float, r: float, start: float, end: float) -> str:
    """An SVG arc path from angle `start` to `end` (fractions of a full turn, clockwise from 12 o'clock); less
    than a whole turn, which an arc cannot draw (its ends coincide): `_ring_part` draws that as a circle."""
    a0, a1 = 2 * math.pi * start, 2 * math.pi * end
    x0, y0 = cx + r * math.sin(a0), cy - r * math.cos(a0)
    x1, y1 = cx + r * math.sin(a1), cy - r * math.cos(a1)
    large = 1 if end - start > 0.5 else 0
    return f"M {x0:.2f} {y0:.2f} A {r} {r} 0 {large} 1 {x1:.2f} {y1:.2f}"


def _ring_part(cx: float, cy: float, r: float, start: float, end: float, colour: str) -> str:
    """One slice of the ring; a slice of the whole ring (one status at 100 %) is a full circle."""
    if end - start >= 0.9999:
        return f'<circle cx="{cx}" cy="{cy:.1f}" r="{r}" fill="none" stroke="{colour}" stroke-width="26"/>'
    return f'<path d="{_arc(cx, cy, r, start, end)}" fill="none" stroke="{colour}" stroke-width="26"/>'


def donut_chart(
    points: Sequence[Point],
    *,
    title: str,
    desc: str | None = None,
    value_format: Formatter = group_digits,
    empty_text: str = "—",
    colours: Sequence[str] = SERIES_COLOURS,
) -> Markup:
    """Shares of a whole (products by status) as a ring, with a legend beside it."""
    desc = desc if desc is not None else describe(points, value_format)
    if _is_empty(points):
        return _empty("donut", title, desc, empty_text)
    shown = [p for p in points if p.value > 0]
    total = sum(p.value for p in shown)
    height = max(150, 24 * len(shown) + 20)
    cx, cy, r = 72, height / 2, 52
    parts = _open("donut", title, desc, points, height)
    start = 0.0
    for i, point in enumerate(shown):
        end = start + point.value / total
        parts.append(
            f"<g><title>{escape(point.label)}: {escape(value_format(point.value))}</title>"
            f"{_ring_part(cx, cy, r, start, end, colours[i % len(colours)])}</g>"
        )
        start = end
    parts.append(
        f'<text x="{cx}" y="{cy + 6:.1f}" text-anchor="middle" font-size="18" font-weight="700">'
        f"{escape(value_format(total))}</text>"
    )
    legend_top = cy - 24 * len(shown) / 2
    for i, point in enumerate(shown):
        y = legend_top + 24 * i
        parts.append(
            f'<rect x="150" y="{y + 4:.1f}" width="12" height="12" rx="2" fill="{colours[i % len(colours)]}"/>'
            f'<text x="168" y="{y + 15:.1f}">{escape(shorten(point.label, 16))}: '
            f"{escape(value_format(point.value))}</text>"
        )
    return _close(parts)
