"""Excel import benchmark: 5,000 rows read, checked and saved as drafts (target ≤ 15 s), on SQLite.

The file is written the way Excel and LibreOffice save one (a shared-string table); openpyxl's own inline
strings read about three times slower.

Run alone: `PYTHONPATH=. .venv/bin/python -m tests.perf.bench_catalog_import`.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import time
import zipfile
from pathlib import Path

from openpyxl import Workbook

from tests.perf.harness import BenchRow

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "5000"))


def _workbook(rows: int) -> bytes:
    from catalog.excel import COLUMNS

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sản phẩm")
    sheet.append([header for _key, header, _example, _width in COLUMNS])
    for n in range(rows):
        sheet.append(
            [
                f"Nấm mèo khô loại {n}",
                "Nông sản sơ chế: nấm, hạt, đồ khô",
                "gói",
                125000 + n,
                50,
                500,
                365,
                "8934588012228",
                "Nấm mèo trồng trên mùn cưa, sấy lạnh.",
                4 if n % 3 == 0 else None,
                f"{n}/QĐ-UBND" if n % 3 == 0 else "",
                "tinh",
                "15/03/2025" if n % 3 == 0 else "",
                "",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return _shared_strings(buffer.getvalue())


def _shared_strings(data: bytes) -> bytes:
    """Rewrite openpyxl's inline strings as a shared-string table, as Excel and LibreOffice save a file."""
    source = zipfile.ZipFile(io.BytesIO(data))
    table: dict[str, int] = {}

    def shared(match: re.Match) -> str:
        index = table.setdefault(match.group(2), len(table))
        return f'<c r="{match.group(1)}" t="s"><v>{index}</v></c>'

    sheet = re.sub(
        r'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>(.*?)</t></is></c>',
        shared,
        source.read("xl/worksheets/sheet1.xml").decode(),
    )
    strings = "".join(f"<si><t>{text}</t></si>" for text in table)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            body = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                body = sheet.encode()
            elif name == "[Content_Types].xml":
                body = body.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif name == "xl/_rels/workbook.xml.rels":
                body = body.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdSS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
                )
            target.writestr(name, body)
        target.writestr(
            "xl/sharedStrings.xml",
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{len(table)}" uniqueCount="{len(table)}">{strings}</sst>',
        )
    return out.getvalue()


def run(baseline_rps: float | None = None) -> list[BenchRow]:
    from catalog.excel import import_workbook, read_rows
    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.migrate import upgrade
    from marketplace.services import create_cooperative

    data = _workbook(ROWS)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'bench.sqlite'}"
        upgrade(url)
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": url,
                "INSTANCE_PATH": str(folder),
                "SECRET_KEY": "bench",
                "CELERY_BROKER_URL": f"filesystem://{folder / 'broker'}",
            }
        )
        with app.test_request_context():
            cooperative = create_cooperative("Hợp tác xã Nấm mèo Vạn Sơn", 15664)
            db.session.commit()
            start = time.perf_counter()
            rows = read_rows(data)
            read_s = time.perf_counter() - start
            report = import_workbook(None, cooperative, rows)
            db.session.commit()
            elapsed = time.perf_counter() - start
    assert report.created == ROWS and not report.errors
    return [
        BenchRow(
            f"Excel import {ROWS:,} rows (SQLite)",
            elapsed,
            "s",
            "≤ 15 s for 5,000",
            note=f"{ROWS / elapsed:,.0f} rows/s; reading the file {read_s:.1f} s (Excel-style shared strings)",
        )
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row.name}: {row.value:.2f} {row.unit} ({row.note})", flush=True)
