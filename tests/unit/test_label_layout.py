"""Label sheet layouts, QR symbols and label text: pure rules, checked without a database."""

from __future__ import annotations

import io
import itertools
import random
from datetime import date

import pytest
import segno
from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from marketplace.errors import ValidationFailed
from marketplace.pdf import register_fonts
from traceability.label_pdf import PRESETS, LabelContent, LabelLayout, custom_layout, preset_layout, render_labels
from traceability.label_pdf.layout import MIN_MODULE_MM
from traceability.label_pdf.qr import QUIET_ZONE, QrEncoder
from traceability.label_pdf.render import facts
from traceability.label_pdf.text import DESCENT, ELLIPSIS, MAX_SIZE_PT, MIN_SIZE_PT, fit_text
from traceability.serials import new_serial

TOLERANCE = 0.01


def _boxes(layout: LabelLayout) -> list[tuple[float, float]]:
    return [layout.label_box(i) for i in range(layout.per_page)]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_fits_its_page_without_overlap(name):
    layout = preset_layout(name)
    for x, y in _boxes(layout):
        assert x >= 0 and x + layout.label_width_mm <= layout.page_width_mm + TOLERANCE
        assert y >= 0 and y + layout.label_height_mm <= layout.page_height_mm + TOLERANCE
    xs = sorted({x for x, _ in _boxes(layout)})
    ys = sorted({y for _, y in _boxes(layout)})
    assert all(b - a >= layout.label_width_mm - TOLERANCE for a, b in itertools.pairwise(xs))
    assert all(b - a >= layout.label_height_mm - TOLERANCE for a, b in itertools.pairwise(ys))
    assert layout.qr_side_mm() / 45 >= MIN_MODULE_MM  # a version-5 symbol with its quiet zone still prints


def test_preset_sizes():
    a4 = preset_layout("a4-3x8")
    assert (a4.per_page, a4.label_width_mm, a4.label_height_mm, a4.page_width_mm) == (24, 70, 37, 210)
    assert (preset_layout("a4-4x10").per_page, preset_layout("a4-5x13").per_page) == (40, 65)
    roll = preset_layout("roll-50x30")
    assert (roll.page_width_mm, roll.page_height_mm, roll.per_page) == (50, 30, 1)


def test_custom_layout_fills_a4_with_even_margins():
    layout = custom_layout(6, 2, margin_top_mm=10, margin_left_mm=8, gap_x_mm=4)
    assert layout.label_width_mm == pytest.approx((210 - 16 - 4) / 2, abs=0.001)
    assert layout.label_height_mm == pytest.approx((297 - 20) / 6, abs=0.001)
    assert LabelLayout.from_dict(layout.to_dict()) == layout


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"rows": 0, "cols": 3}, "rows", "Số hàng tem phải từ 1 đến 20."),
        ({"rows": 8, "cols": 21}, "cols", "Số cột tem phải từ 1 đến 20."),
        ({"rows": 8, "cols": 3, "margin_top_mm": -1}, "margin_top_mm", "không được âm"),
        ({"rows": 8, "cols": 3, "offset_x_mm": 10.5}, "offset_x_mm", "khoảng −10 đến 10 mm"),
        ({"rows": 8, "cols": 3, "label_width_mm": 80}, "cols", "Tem không vừa trang: 3 cột"),
        ({"rows": 8, "cols": 3, "label_height_mm": 40}, "rows", "Tem không vừa trang: 8 hàng"),
        ({"rows": 20, "cols": 3}, "rows", "Tem quá nhỏ"),
        ({"rows": 4, "cols": 10}, "cols", "Tem quá nhỏ"),
        ({"rows": 4, "cols": 2, "margin_left_mm": 106}, "margin_left_mm", "không còn chỗ cho tem"),
    ],
)
def test_custom_layout_refuses_what_cannot_print(kwargs, field, message):
    rows, cols = kwargs.pop("rows"), kwargs.pop("cols")
    with pytest.raises(ValidationFailed) as caught:
        custom_layout(rows, cols, **kwargs)
    assert message in caught.value.message
    assert field in caught.value.extra["fields"]
    assert caught.value.status == 422


def test_unknown_preset_and_offset_on_a_preset():
    with pytest.raises(ValidationFailed, match="Không có mẫu tem"):
        preset_layout("a3-2x2")
    with pytest.raises(ValidationFailed, match="căn chỉnh"):
        preset_layout("a4-3x8", offset_y_mm=-11)


def test_calibration_offset_moves_every_label():
    plain, shifted = preset_layout("a4-4x10"), preset_layout("a4-4x10", 1.5, -2)
    for (x0, y0), (x1, y1) in zip(_boxes(plain), _boxes(shifted), strict=True):
        assert (x1 - x0, y1 - y0) == pytest.approx((1.5, -2))


def _content(**overrides) -> LabelContent:
    serial = new_serial()
    fields = {
        "url": f"https://ocop.test/t/{serial}",
        "serial": serial,
        "product_name": "Nấm mèo rừng",
        "cooperative_name": "HTX Mường Lống",
        "lot": "L1",
        "produced_on": date(2026, 1, 5),
        "expires_on": date(2026, 7, 5),
        "ocop_stars": 3,
    }
    fields.update(overrides)
    return LabelContent(**fields)


def _label_origins(pdf: bytes) -> list[tuple[float, float]]:
    """Translation of every top-level `q 1 0 0 1 x y cm` on the first page (one per label)."""
    reader = PdfReader(io.BytesIO(pdf))
    stream = ContentStream(reader.pages[0].get_contents(), reader)
    origins, depth = [], 0
    for operands, operator in stream.operations:
        if operator == b"q":
            depth += 1
        elif operator == b"Q":
            depth -= 1
        elif operator == b"cm" and depth == 1 and [float(v) for v in operands[:4]] == [1, 0, 0, 1]:
            origins.append((float(operands[4]), float(operands[5])))
    return origins


def test_calibration_offset_moves_the_printed_content():
    def pdf(layout: LabelLayout) -> bytes:
        out = io.BytesIO()
        render_labels([_content(), _content()], layout, out)
        return out.getvalue()

    plain = _label_origins(pdf(preset_layout("a4-3x8")))
    shifted = _label_origins(pdf(preset_layout("a4-3x8", offset_x_mm=2, offset_y_mm=3)))
    assert len(plain) == len(shifted) == 2
    assert plain[0] == pytest.approx((0, (297 - 0.5 - 37) * mm), abs=0.01)
    for (x0, y0), (x1, y1) in zip(plain, shifted, strict=True):
        assert (x1 - x0, y1 - y0) == pytest.approx((2 * mm, -3 * mm), abs=0.01)  # down the page is −y in PDF


def test_sheets_are_pure_black_with_no_strokes():
    out = io.BytesIO()
    render_labels([_content(pin="123456") for _ in range(3)], preset_layout("a4-5x13"), out)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    page = reader.pages[0]
    streams = [ContentStream(page.get_contents(), reader)]
    for xobject in page["/Resources"]["/XObject"].values():
        streams.append(ContentStream(xobject.get_object(), reader))
    operators = {operator for stream in streams for _, operator in stream.operations}
    assert not operators & {b"S", b"s", b"B", b"b", b"f", b"re", b"w", b"RG", b"rg", b"K", b"k", b"G", b"cs", b"sc"}
    gray = [ops for stream in streams for ops, operator in stream.operations if operator == b"g"]
    assert gray and all(float(value) == 0 for (value,) in gray)


@pytest.mark.parametrize(
    "prefix", ["https://ocop.test/t/", "https://cho-ocop.vn/01/08934567890128/10/LOT-2026%2F7/21/"]
)
def test_fast_qr_symbols_are_exactly_segnos(prefix):
    encoder = QrEncoder()
    rng = random.Random(6)
    for _ in range(40):
        url = prefix + new_serial()
        run = encoder.run_for(url)
        expected = segno.make(
            url.encode(), error="m", mode="byte", version=run.version, mask=run.mask, boost_error=False
        )
        assert expected.designator.endswith("-M")
        assert run.dark_bits(url) == run._image(expected.matrix)
    url = prefix + "".join(rng.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(14))
    run = encoder.run_for(url)
    image = run.image(url)
    assert len(image) == run.size * run.row_bytes and run.size == len(run.segno_symbol(url.encode()).matrix) + 8
    assert image[: run.row_bytes * QUIET_ZONE] == b"\xff" * (run.row_bytes * QUIET_ZONE)  # light quiet zone


def test_long_names_shrink_then_wrap_and_never_overflow():
    fonts = register_fonts()
    long_name = "Trà hoa vàng Ba Chẽ thượng hạng " * 8
    long_coop = "Hợp tác xã Nông lâm nghiệp và Dịch vụ tổng hợp " * 4
    for name in sorted(PRESETS):
        layout = preset_layout(name)
        width, height = (v * mm for v in layout.text_box_mm())
        content = _content(product_name=long_name, cooperative_name=long_coop, ocop_stars=5)
        lines = fit_text(long_name, long_coop, facts(content), fonts, width, height)
        for line in lines:
            assert stringWidth(line.text, line.font, line.size) <= width + 0.01
            assert line.baseline + DESCENT * line.size <= height + 0.01
            assert line.size >= MIN_SIZE_PT - 0.01
        assert lines[0].text.startswith("Trà hoa vàng")
        assert any(line.text.endswith(ELLIPSIS) for line in lines)


def test_short_text_stays_large_ends_with_the_scan_hint_and_dates_are_vietnamese():
    fonts = register_fonts()
    layout = preset_layout("a4-3x8")
    width, height = (v * mm for v in layout.text_box_mm())
    content = _content(product_name="Mật ong", ocop_stars=4)
    lines = fit_text("Mật ong", "HTX Bắc Hà", facts(content), fonts, width, height)
    assert lines[0].size >= MAX_SIZE_PT - 1  # one step down at most, to make room for the scan hint
    assert [line.text for line in lines] == [
        "Mật ong",
        "HTX Bắc Hà",
        "Lô: L1",
        "NSX: 05/01/2026",
        "HSD: 05/07/2026",
        "OCOP ★★★★",
        "Quét để truy xuất nguồn gốc",
    ]
