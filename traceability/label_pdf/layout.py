"""Label sheet geometry in millimetres: presets for common A4 sheets and a roll printer, custom grids, and the
printer calibration offset. Pure: no database, no PDF."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from flask_babel import gettext as _

from marketplace.errors import ValidationFailed

A4 = (210.0, 297.0)
MAX_GRID = 20
MAX_OFFSET_MM = 10.0
PADDING_MM = 1.5
CODE_LINE_MM = 2.8
COLUMN_GAP_MM = 1.2
MIN_MODULE_MM = 0.33
MAX_QR_MODULES = 45  # version 5 with its quiet zone: a GS1 Digital Link URL of up to 84 bytes at level M
MIN_TEXT_WIDTH_MM = 15.0
TOLERANCE_MM = 0.01


@dataclass(frozen=True)
class LabelLayout:
    """Where labels sit on a page. x runs right from the left edge, y down from the top edge; a positive
    calibration offset moves everything right (x) and down (y)."""

    page_width_mm: float
    page_height_mm: float
    rows: int
    cols: int
    label_width_mm: float
    label_height_mm: float
    margin_top_mm: float = 0.0
    margin_left_mm: float = 0.0
    gap_x_mm: float = 0.0
    gap_y_mm: float = 0.0
    offset_x_mm: float = 0.0
    offset_y_mm: float = 0.0
    preset: str = "custom"

    @property
    def per_page(self) -> int:
        return self.rows * self.cols

    def label_box(self, index: int) -> tuple[float, float]:
        """Top-left corner (x from left, y from top, mm) of the `index`-th label on a page, offset applied."""
        row, col = divmod(index % self.per_page, self.cols)
        x = self.margin_left_mm + col * (self.label_width_mm + self.gap_x_mm) + self.offset_x_mm
        y = self.margin_top_mm + row * (self.label_height_mm + self.gap_y_mm) + self.offset_y_mm
        return x, y

    def qr_side_mm(self) -> float:
        """Side of the QR square (quiet zone included) on each label."""
        inner_w = self.label_width_mm - 2 * PADDING_MM
        inner_h = self.label_height_mm - 2 * PADDING_MM
        return max(0.0, min(inner_h - CODE_LINE_MM, inner_w * 0.5))

    def text_box_mm(self) -> tuple[float, float]:
        """Width and height of the text column to the right of the QR."""
        width = self.label_width_mm - 2 * PADDING_MM - self.qr_side_mm() - COLUMN_GAP_MM
        return max(0.0, width), self.label_height_mm - 2 * PADDING_MM

    def with_offset(self, offset_x_mm: float, offset_y_mm: float) -> LabelLayout:
        return replace(self, offset_x_mm=offset_x_mm, offset_y_mm=offset_y_mm)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabelLayout:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})

    def validate(self) -> LabelLayout:
        """This layout, or ValidationFailed with a Vietnamese message naming the field at fault."""
        _check_grid(self)
        _check_non_negative(self)
        _check_offset(self)
        _check_fits_page(self)
        _check_label_size(self)
        return self


def _fail(field: str, message: str) -> None:
    raise ValidationFailed(message, fields={field: [message]})


def _mm(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _check_grid(layout: LabelLayout) -> None:
    if not 1 <= layout.rows <= MAX_GRID:
        _fail("rows", _("Số hàng tem phải từ 1 đến %(max)s.", max=MAX_GRID))
    if not 1 <= layout.cols <= MAX_GRID:
        _fail("cols", _("Số cột tem phải từ 1 đến %(max)s.", max=MAX_GRID))


def _check_non_negative(layout: LabelLayout) -> None:
    for name in ("margin_top_mm", "margin_left_mm", "gap_x_mm", "gap_y_mm"):
        if getattr(layout, name) < 0:
            _fail(name, _("Lề và khoảng cách giữa các tem không được âm."))


def _check_offset(layout: LabelLayout) -> None:
    for name in ("offset_x_mm", "offset_y_mm"):
        if abs(getattr(layout, name)) > MAX_OFFSET_MM:
            _fail(
                name, _("Độ lệch căn chỉnh máy in phải trong khoảng −%(max)s đến %(max)s mm.", max=_mm(MAX_OFFSET_MM))
            )


def _check_fits_page(layout: LabelLayout) -> None:
    width = layout.margin_left_mm + layout.cols * layout.label_width_mm + (layout.cols - 1) * layout.gap_x_mm
    if width > layout.page_width_mm + TOLERANCE_MM:
        message = _(
            "Tem không vừa trang: %(cols)s cột cộng lề và khoảng cách rộng %(need)s mm, trang chỉ rộng %(page)s mm.",
            cols=layout.cols,
            need=_mm(round(width, 2)),
            page=_mm(layout.page_width_mm),
        )
        _fail("cols", message)
    height = layout.margin_top_mm + layout.rows * layout.label_height_mm + (layout.rows - 1) * layout.gap_y_mm
    if height > layout.page_height_mm + TOLERANCE_MM:
        message = _(
            "Tem không vừa trang: %(rows)s hàng cộng lề và khoảng cách cao %(need)s mm, trang chỉ cao %(page)s mm.",
            rows=layout.rows,
            need=_mm(round(height, 2)),
            page=_mm(layout.page_height_mm),
        )
        _fail("rows", message)


def _check_label_size(layout: LabelLayout) -> None:
    too_small = _(
        "Tem quá nhỏ (%(w)s × %(h)s mm): mã QR cần ô mỗi điểm ít nhất %(module)s mm và chỗ cho chữ. "
        "Hãy bớt hàng hoặc cột.",
        w=_mm(round(layout.label_width_mm, 1)),
        h=_mm(round(layout.label_height_mm, 1)),
        module=_mm(MIN_MODULE_MM),
    )
    if layout.qr_side_mm() < MIN_MODULE_MM * MAX_QR_MODULES or layout.text_box_mm()[0] < MIN_TEXT_WIDTH_MM:
        inner_w = layout.label_width_mm - 2 * PADDING_MM
        height_bound = layout.label_height_mm - 2 * PADDING_MM - CODE_LINE_MM < inner_w * 0.5
        _fail("rows" if height_bound else "cols", too_small)


PRESETS: dict[str, LabelLayout] = {
    "a4-3x8": LabelLayout(
        *A4, rows=8, cols=3, label_width_mm=70, label_height_mm=37, margin_top_mm=0.5, preset="a4-3x8"
    ),
    "a4-4x10": LabelLayout(
        *A4,
        rows=10,
        cols=4,
        label_width_mm=48.5,
        label_height_mm=25.4,
        margin_top_mm=21.5,
        margin_left_mm=8,
        preset="a4-4x10",
    ),
    "a4-5x13": LabelLayout(
        *A4,
        rows=13,
        cols=5,
        label_width_mm=38.1,
        label_height_mm=21.2,
        margin_top_mm=10.7,
        margin_left_mm=4.75,
        gap_x_mm=2.5,
        preset="a4-5x13",
    ),
    "roll-50x30": LabelLayout(50, 30, rows=1, cols=1, label_width_mm=50, label_height_mm=30, preset="roll-50x30"),
}
DEFAULT_PRESET = "a4-3x8"


def _floor_micron(value: float) -> float:
    """Round a computed size down to 0.001 mm, so a filled row never ends past the page."""
    return math.floor(value * 1000) / 1000


def preset_layout(name: str, offset_x_mm: float = 0.0, offset_y_mm: float = 0.0) -> LabelLayout:
    """A named preset with a calibration offset, validated."""
    layout = PRESETS.get(name)
    if layout is None:
        _fail("preset", _("Không có mẫu tem “%(name)s”.", name=name))
    return layout.with_offset(offset_x_mm, offset_y_mm).validate()


def custom_layout(
    rows: int,
    cols: int,
    *,
    margin_top_mm: float = 0.0,
    margin_left_mm: float = 0.0,
    gap_x_mm: float = 0.0,
    gap_y_mm: float = 0.0,
    offset_x_mm: float = 0.0,
    offset_y_mm: float = 0.0,
    label_width_mm: float | None = None,
    label_height_mm: float | None = None,
) -> LabelLayout:
    """An A4 grid; without a label size, labels fill the page with the same margin on both sides."""
    layout = LabelLayout(*A4, rows=rows, cols=cols, label_width_mm=1, label_height_mm=1)
    _check_grid(layout)
    if label_width_mm is None:
        label_width_mm = (A4[0] - 2 * margin_left_mm - (cols - 1) * gap_x_mm) / cols
    if label_height_mm is None:
        label_height_mm = (A4[1] - 2 * margin_top_mm - (rows - 1) * gap_y_mm) / rows
    layout = LabelLayout(
        *A4,
        rows=rows,
        cols=cols,
        label_width_mm=_floor_micron(label_width_mm),
        label_height_mm=_floor_micron(label_height_mm),
        margin_top_mm=margin_top_mm,
        margin_left_mm=margin_left_mm,
        gap_x_mm=gap_x_mm,
        gap_y_mm=gap_y_mm,
        offset_x_mm=offset_x_mm,
        offset_y_mm=offset_y_mm,
    )
    _check_non_negative(layout)
    if layout.label_width_mm <= 0 or layout.label_height_mm <= 0:
        _fail("margin_left_mm", _("Lề và khoảng cách quá lớn: không còn chỗ cho tem."))
    return layout.validate()
