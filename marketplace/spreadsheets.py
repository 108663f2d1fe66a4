"""Excel helpers shared by every import template (products, sellers): header row, drop-down lists, reading
workbooks and CSV files back, bytes out."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .errors import DomainError, ValidationFailed
from .text import fold

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXAMPLE = "vi du:"  # a template's example row starts so ("Ví dụ:", folded) and is never imported


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


def uploaded_bytes(upload, max_bytes: int) -> bytes:
    """The bytes of the file sent in a form's file field; a clear error when none was chosen or it is too big."""
    if upload is None or not upload.filename:
        raise DomainError(_("Hãy chọn tệp Excel."))
    data = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DomainError(_("Tệp quá lớn (tối đa %(n)d MB).", n=max_bytes // (1024 * 1024)), status=413)
    return data


def open_workbook(data: bytes):
    """A read-only workbook of these bytes; a 422 when they are not one."""
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors for a file that is not a workbook
        raise ValidationFailed(_("Tệp không phải bảng tính Excel (.xlsx)."), code="invalid_workbook") from None


def read_tables(data: bytes, max_rows: int) -> dict[str, list[tuple[int, dict[str, object]]]]:
    """{sheet title: [(row number, {folded header: cell value})]} for every sheet of a workbook, or for a CSV file
    (UTF-8, a byte-order mark allowed; its one table titled ""). Empty rows are left out; more than `max_rows`
    filled rows in a table is a 422."""
    if data[:2] == b"PK":  # an .xlsx is a zip archive
        book = open_workbook(data)
        tables = {sheet.title: _table(sheet.iter_rows(values_only=True), max_rows) for sheet in book.worksheets}
        book.close()
        return tables
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(_("Tệp CSV phải là UTF-8."), code="invalid_csv") from None
    return {"": _table(csv.reader(io.StringIO(text)), max_rows)}


def _table(rows: Iterator[Sequence[object]], max_rows: int) -> list[tuple[int, dict[str, object]]]:
    headers = [fold(str(h or "")) for h in next(rows, None) or ()]
    out = []
    for number, values in enumerate(rows, 2):
        if not any(v not in (None, "") for v in values):
            continue
        if len(out) == max_rows:
            raise ValidationFailed(_("Tối đa %(n)d dòng mỗi lần nhập.", n=max_rows), code="too_many_rows")
        out.append((number, {h: v for h, v in zip(headers, values, strict=False) if h}))
    return out


def read_sheet(
    data: bytes, header_to_key: dict[str, str], required: tuple[str, ...], missing: str, max_rows: int
) -> list[tuple[int, dict]]:
    """(row number, {key: cell value}) for every filled row of the first sheet, headers matched without accents
    (`header_to_key` has folded headers); the template's example row (its `required[0]` cell starts "Ví dụ:") is
    skipped. A file that is not a workbook, lacks a `required` column (`missing` says which) or has more than
    `max_rows` rows is a 422."""
    book = open_workbook(data)
    rows = book.worksheets[0].iter_rows(values_only=True)
    keys = [header_to_key.get(fold(str(h or ""))) for h in next(rows, None) or ()]
    if not set(required) <= set(keys):
        raise ValidationFailed(missing, code="bad_header")
    out = []
    for number, values in enumerate(rows, 2):
        if number > max_rows + 1:
            raise ValidationFailed(_("Tối đa %(n)d dòng mỗi lần nhập.", n=max_rows), code="too_many_rows")
        row = {k: v for k, v in zip(keys, values, strict=False) if k}
        if not any(v not in (None, "") for v in values) or fold(str(row.get(required[0]) or "")).startswith(EXAMPLE):
            continue
        out.append((number, row))
    book.close()
    return out


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
