"""Fitting a label's Vietnamese text into its column: shrink first, then wrap, never overflow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.pdfbase.pdfmetrics import stringWidth

MAX_SIZE_PT = 9.0
MIN_SIZE_PT = 4.5
STEP_PT = 0.25
LEADING = 1.18
SMALL = 0.82
NAME_LINES = 3
COOPERATIVE_LINES = 2
ELLIPSIS = "…"
DESCENT = 0.24  # DejaVu descender, in ems


@dataclass(frozen=True)
class TextLine:
    text: str
    font: str
    size: float
    baseline: float  # distance from the top of the column to the baseline, in points


def date_vn(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap; a word wider than the column is cut between characters."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if stringWidth(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while stringWidth(word, font, size) > width:
            cut = _longest_prefix(word, font, size, width)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _longest_prefix(text: str, font: str, size: float, width: float) -> int:
    cut = len(text)
    while cut > 1 and stringWidth(text[:cut], font, size) > width:
        cut -= 1
    return cut


def truncate(lines: list[str], limit: int, font: str, size: float, width: float) -> list[str]:
    """At most `limit` lines; when text is dropped the last kept line ends in an ellipsis that fits."""
    if len(lines) <= limit:
        return lines
    kept = lines[:limit]
    last = kept[-1]
    while last and stringWidth(last + ELLIPSIS, font, size) > width:
        last = last[:-1]
    kept[-1] = last.rstrip() + ELLIPSIS
    return kept


def _single(text: str, font: str, size: float, width: float) -> tuple[str, float]:
    """A one-line field: smaller type when it is too wide, then cut with an ellipsis at the minimum size."""
    natural = stringWidth(text, font, size)
    if natural <= width:
        return text, size
    shrunk = max(MIN_SIZE_PT, size * width / natural * 0.999)
    if stringWidth(text, font, shrunk) <= width:
        return text, shrunk
    return truncate(wrap(text, font, shrunk, width), 1, font, shrunk, width)[0], shrunk


def _block(
    groups: list[tuple[list[str], str, float]], facts: list[str], regular: str, size: float, width: float
) -> list[TextLine]:
    lines: list[TextLine] = []
    y = 0.0
    for texts, font, line_size in groups:
        for text in texts:
            y += line_size * LEADING if lines else line_size
            lines.append(TextLine(text, font, line_size, y))
    for fact in facts:
        text, fact_size = _single(fact, regular, size * SMALL, width)
        y += fact_size * LEADING if lines else fact_size
        lines.append(TextLine(text, regular, fact_size, y))
    return lines


def fit_text(
    name: str,
    cooperative: str,
    facts: list[str],
    fonts: tuple[str, str],
    width: float,
    height: float,
) -> list[TextLine]:
    """Lines for the product name (bold), the cooperative and one-line facts, at the largest size that fits
    `width` × `height` points; no line is smaller than MIN_SIZE_PT, so at the minimum the name and the
    cooperative are cut with an ellipsis (and facts that still do not fit are left off)."""
    regular, bold = fonts
    size = MAX_SIZE_PT
    while True:
        small = size * SMALL
        name_lines = wrap(name, bold, size, width)
        coop_lines = wrap(cooperative, regular, small, width)
        at_minimum = (size - STEP_PT) * SMALL < MIN_SIZE_PT
        if at_minimum:
            name_lines = truncate(name_lines, NAME_LINES - 1, bold, size, width)
            coop_lines = truncate(coop_lines, 1, regular, small, width)
        facts_fit = all(stringWidth(fact, regular, small) <= width for fact in facts)
        if len(name_lines) <= NAME_LINES and len(coop_lines) <= COOPERATIVE_LINES and (facts_fit or at_minimum):
            lines = _block([(name_lines, bold, size), (coop_lines, regular, small)], facts, regular, size, width)
            if at_minimum:
                return _drop_below(lines, height)
            if _bottom(lines[-1]) <= height:
                return lines
        size -= STEP_PT


def _bottom(line: TextLine) -> float:
    return line.baseline + DESCENT * line.size


def _drop_below(lines: list[TextLine], height: float) -> list[TextLine]:
    return [line for line in lines if _bottom(line) <= height]
