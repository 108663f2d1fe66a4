"""Label throughput: QR encoders compared, the label-sheet PDF alone, and `ocop labels` end to end (issuing
serials into SQLite, then the PDF). Target from issue 6: 10,000 labels in ≤ 10 s (≥ 1,000 labels/s)."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import qrcode
import segno
from qrcode.constants import ERROR_CORRECT_M

from tests.perf.harness import BenchRow
from traceability.label_pdf import LabelContent, preset_layout, render_labels
from traceability.label_pdf.qr import QrEncoder
from traceability.serials import new_serial

LABELS = 10_000
QR_SAMPLE = 300
BASE = "https://cho-ocop.vn"
TARGET = "≥ 1,000 labels/s (10,000 in ≤ 10 s)"


def _urls(n: int) -> list[str]:
    return [f"{BASE}/t/{new_serial()}" for _ in range(n)]


def _rate(fn: Callable[[str], object], urls: list[str]) -> float:
    start = time.perf_counter()
    for url in urls:
        fn(url)
    return len(urls) / (time.perf_counter() - start)


def _qrcode(url: str) -> object:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code.modules


def _segno_fixed_mask(url: str) -> object:
    return segno.make(url.encode(), error="m", mode="byte", mask=0, boost_error=False, micro=False).matrix


def qr_rows() -> list[BenchRow]:
    urls = _urls(QR_SAMPLE)
    encoder = QrEncoder()
    fast = _rate(lambda url: encoder.run_for(url).image(url), _urls(LABELS))
    return [
        BenchRow("QR: qrcode, automatic mask", _rate(_qrcode, urls), "codes/s"),
        BenchRow("QR: segno, automatic mask", _rate(lambda u: segno.make(u, error="m", micro=False), urls), "codes/s"),
        BenchRow("QR: segno, fixed mask", _rate(_segno_fixed_mask, urls), "codes/s"),
        BenchRow("QR: segno symbols reused by linearity (used)", fast, "codes/s", note="10,000 codes, table built"),
    ]


def _contents(n: int, pin: bool) -> Iterator[LabelContent]:
    for _ in range(n):
        serial = new_serial()
        yield LabelContent(
            f"{BASE}/t/{serial}",
            serial,
            "Nấm mèo rừng Mường Lống sấy khô loại đặc biệt",
            "Hợp tác xã Nông nghiệp Dịch vụ Mường Lống",
            "L2026-11",
            date(2026, 11, 2),
            date(2027, 11, 2),
            4,
            "123456" if pin else None,
        )


def pdf_row(preset: str, pin: bool, folder: Path) -> BenchRow:
    out = folder / f"{preset}.pdf"
    start = time.perf_counter()
    pages = render_labels(_contents(LABELS, pin), preset_layout(preset), out)
    seconds = time.perf_counter() - start
    name = f"label PDF, {LABELS:,} labels on {preset}" + (" with PIN" if pin else "")
    note = f"{seconds:.1f} s, {pages} pages, {out.stat().st_size / 1e6:.1f} MB"
    return BenchRow(name, LABELS / seconds, "labels/s", TARGET, note=note)


def cli_row(folder: Path) -> BenchRow:
    """`ocop labels --count 10000` against a migrated SQLite database: issue, insert, draw, commit."""
    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.migrate import upgrade
    from tests.factories import make_cooperative, make_product
    from traceability.models import Batch

    url = f"sqlite:///{folder / 'bench.sqlite'}"
    upgrade(url)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(folder),
            "MEDIA_ROOT": str(folder / "media"),
            "SECRET_KEY": "bench",
            "CELERY_BROKER_URL": f"filesystem://{folder / 'broker'}",
            "CELERY_RESULT_BACKEND": f"db+sqlite:///{folder / 'results.sqlite'}",
            "PUBLIC_BASE_URL": BASE,
        }
    )
    with app.app_context():
        cooperative = make_cooperative()
        product = make_product(cooperative, ocop_stars=4)
        db.session.add(Batch(code="BENCH1", product_id=product.id, cooperative_id=cooperative.id, lot="L1"))
        db.session.commit()
        db.session.remove()
    out = folder / "cli.pdf"
    start = time.perf_counter()
    result = app.test_cli_runner().invoke(
        args=["labels", "--batch", "BENCH1", "--count", str(LABELS), "--out", str(out)]
    )
    seconds = time.perf_counter() - start
    if result.exit_code != 0:
        raise RuntimeError(result.output) from result.exception
    name = f"ocop labels --count {LABELS:,} (SQLite insert + PDF)"
    return BenchRow(name, LABELS / seconds, "labels/s", TARGET, note=f"{seconds:.1f} s end to end")


def run(baseline_rps: float) -> list[BenchRow]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        return [
            *qr_rows(),
            pdf_row("a4-3x8", False, folder),
            pdf_row("a4-5x13", True, folder),
            cli_row(folder),
        ]


if __name__ == "__main__":
    for row in run(0):
        print(f"{row.name}: {row.value:,.0f} {row.unit} — {row.note}")
