"""The report's Excel building blocks: number formats, columns sized to their contents, and tables with a
frozen, filtered, coloured header row and a bold totals row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from marketplace.text import spreadsheet_row

VND_FORMAT = '#,##0 "₫"'
DATE_FORMAT = "DD/MM/YYYY"
INT_FORMAT = "#,##0"
HEADER_FILL = PatternFill("solid", fgColor="1F6F43")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TOTAL_FILL = PatternFill("solid", fgColor="E7EEE9")
MAX_WIDTH = 60


@dataclass(frozen=True)
class Column:
    header: str
    number_format: str | None = None
    min_width: int = 8


@dataclass
class Block:
    """One table of a sheet: an optional title above it, its columns, rows and totals."""

    title: str | None
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    total: Sequence[Any] | None = None


def _header(sheet: Worksheet, columns: Sequence[Column]) -> None:
    sheet.append(spreadsheet_row(c.header for c in columns))
    for cell in sheet[sheet.max_row]:
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _write_block(sheet: Worksheet, block: Block, first: bool) -> None:
    if not first:
        sheet.append([])
        sheet.append(spreadsheet_row([block.title]))
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12)
    _header(sheet, block.columns)
    header_row = sheet.max_row
    for row in block.rows:
        sheet.append(spreadsheet_row(row))
    if block.total is not None:
        sheet.append(spreadsheet_row(block.total))
        for cell in sheet[sheet.max_row]:
            cell.font, cell.fill = Font(bold=True), TOTAL_FILL
    for index, column in enumerate(block.columns, start=1):
        if column.number_format:
            for (cell,) in sheet.iter_rows(min_row=header_row + 1, min_col=index, max_col=index):
                cell.number_format = column.number_format
    if first:
        sheet.freeze_panes = f"A{header_row + 1}"
        if block.rows:
            sheet.auto_filter.ref = (
                f"A{header_row}:{get_column_letter(len(block.columns))}{header_row + len(block.rows)}"
            )


def write_blocks(sheet: Worksheet, blocks: Sequence[Block]) -> None:
    """Tables one under another, a blank row and a title between them; columns sized for the widest."""
    for i, block in enumerate(blocks):
        _write_block(sheet, block, first=i == 0)
    widths: dict[int, float] = {}
    for block in blocks:
        for index, column in enumerate(block.columns, start=1):
            width = column_width(column, [r[index - 1] for r in block.rows])
            widths[index] = max(widths.get(index, 0), width)
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = width


def write_table(
    sheet: Worksheet, columns: Sequence[Column], rows: Sequence[Sequence[Any]], total: Sequence[Any] | None = None
) -> None:
    """One table filling the sheet: header row (frozen, filtered), data rows, an optional totals row."""
    write_blocks(sheet, [Block(None, columns, rows, total)])


def column_width(column: Column, values: Sequence[Any]) -> float:
    def shown(value: Any) -> int:
        if isinstance(value, date):
            return 10
        if isinstance(value, int) and column.number_format in (VND_FORMAT, INT_FORMAT):
            return len(f"{value:,}") + (2 if column.number_format == VND_FORMAT else 0)
        return len(str(value)) if value is not None else 0

    longest = max([len(column.header) * 0.9, column.min_width, *(shown(v) for v in values)])
    return min(MAX_WIDTH, longest + 2)
