"""Excel helpers shared by every import template (products, sellers): header row, drop-down lists, bytes out."""

from __future__ import annotations

import io
from collections.abc import Iterable

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_header(sheet, columns: Iterable[tuple[str, object, int]]) -> None:
    """Row 1: bold white headers on green; row 2: the example values; column widths; the header frozen."""
    bold, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F6F43")
    for col, (header, example, width) in enumerate(columns, 1):
        cell = sheet.cell(1, col, header)
        cell.font, cell.fill = bold, fill
        sheet.cell(2, col, example)
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = "A2"


def list_validation(sheet, column: int, formula: str, rows: int) -> DataValidation:
    """A drop-down list on rows 2…rows+1 of a column: an inline list (`"3,4,5"`) or a range of a (hidden) sheet."""
    letter = get_column_letter(column)
    rule = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True)
    rule.error = _("Hãy chọn một giá trị trong danh sách.")
    sheet.add_data_validation(rule)
    rule.add(f"{letter}2:{letter}{rows + 1}")
    return rule


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
