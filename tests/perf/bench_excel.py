"""Excel import: a 1,000-row workbook in the template's layout, read, validated and inserted as drafts in one
transaction (`catalog.excel.read_rows` + `import_workbook`), on SQLite; the time a cooperative waits."""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select

from tests.perf.harness import BenchRow, median
from tests.perf.sites import flask_app, site_env

ROWS = 1_000
RUNS = 3


def workbook(rows: int, run: int) -> bytes:
    from catalog.excel import COLUMNS

    book = Workbook()
    sheet = book.active
    sheet.append([header for _key, header, _example, _width in COLUMNS])
    for n in range(rows):
        sheet.append(
            [
                f"Nấm mèo khô lô {run}-{n}",
                "Nông sản sơ chế: nấm, hạt, đồ khô",
                "gói",
                120_000 + n,
                50,
                500,
                365,
                "",
                "Nấm mèo trồng trên mùn cưa, sấy lạnh.",
                4 if n % 3 == 0 else None,
                f"{n}/QĐ-UBND" if n % 3 == 0 else "",
                "tinh" if n % 3 == 0 else "",
                "15/03/2025" if n % 3 == 0 else "",
                "",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(baseline_rps: float) -> list[BenchRow]:
    from catalog.excel import import_workbook, read_rows
    from catalog.models import Product
    from marketplace.demo import demo_cooperative
    from marketplace.demo import seed as seed_demo
    from marketplace.extensions import db
    from marketplace.migrate import upgrade

    samples = []
    with tempfile.TemporaryDirectory(prefix="ocop-excel-") as folder:
        url = f"sqlite:///{Path(folder) / 'excel.sqlite'}"
        upgrade(url)
        app = flask_app(site_env(Path(folder), url))
        with app.app_context(), app.test_request_context():
            seed_demo()
            db.session.commit()
            cooperative = demo_cooperative()
            before = db.session.scalar(select(func.count()).select_from(Product))
            for n in range(RUNS):
                data = workbook(ROWS, n)
                start = time.perf_counter()
                report = import_workbook(None, cooperative, read_rows(data))
                db.session.commit()
                samples.append(time.perf_counter() - start)
                assert report.created == ROWS and not report.errors, report.errors[:3]
            added = db.session.scalar(select(func.count()).select_from(Product)) - before
            db.engine.dispose()
    assert added == ROWS * RUNS
    seconds = median(samples)
    return [
        BenchRow(
            f"Excel import, {ROWS:,} rows",
            seconds,
            "s",
            "",
            None,
            f"median of {RUNS}; {ROWS / seconds:,.0f} rows/s, read + validate + insert",
        )
    ]
