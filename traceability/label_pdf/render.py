"""Label sheets as PDF: one QR per label drawn as a 1-bit inline image, the text shared by a run's labels drawn
once as a form XObject, pages written as the label iterator is consumed.

Print quality on cheap printers: everything is pure black (DeviceGray 0) on unprinted paper, there are no
lines at all (so no hairlines), QR modules are at least 0.33 mm (the layout refuses smaller labels).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _
from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from marketplace.errors import ValidationFailed
from marketplace.pdf import register_fonts

from ..serials import grouped
from .layout import CODE_LINE_MM, COLUMN_GAP_MM, MIN_MODULE_MM, PADDING_MM, LabelLayout
from .qr import QrEncoder
from .text import date_vn, fit_text

CODE_SIZE_PT = 6.5
STAR = "★"


@dataclass(frozen=True)
class LabelContent:
    """What one label shows."""

    url: str
    serial: str
    product_name: str
    cooperative_name: str
    lot: str
    produced_on: date | None = None
    expires_on: date | None = None
    ocop_stars: int = 0
    pin: str | None = None

    def shared_key(self) -> tuple:
        """The part every label of a batch has in common (drawn once per PDF)."""
        return (
            self.product_name,
            self.cooperative_name,
            self.lot,
            self.produced_on,
            self.expires_on,
            self.ocop_stars,
            self.pin is not None,
        )


def facts(content: LabelContent) -> list[str]:
    """The one-line facts under the names: lot, dates, OCOP stars."""
    lines = [_("Lô: %(lot)s", lot=content.lot)]
    if content.produced_on:
        lines.append(_("NSX: %(date)s", date=date_vn(content.produced_on)))
    if content.expires_on:
        lines.append(_("HSD: %(date)s", date=date_vn(content.expires_on)))
    if content.ocop_stars in (3, 4, 5):
        lines.append("OCOP " + STAR * content.ocop_stars)
    return lines


@contextlib.contextmanager
def _binary_streams() -> Iterator[None]:
    """Flate-only streams: reportlab's default ASCII85 pass is pure Python and costs half a run's time."""
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


class SheetWriter:
    """Draws labels onto pages of `layout`, one after the other."""

    def __init__(self, out: str | Path | BinaryIO, layout: LabelLayout) -> None:
        self.layout = layout
        self.fonts = register_fonts()
        self.canvas = Canvas(
            str(out) if isinstance(out, Path) else out,
            pagesize=(layout.page_width_mm * mm, layout.page_height_mm * mm),
            pageCompression=1,
            invariant=1,
        )
        self.canvas.setTitle(_("Tem truy xuất nguồn gốc"))
        self.canvas.setCreator("Chợ OCOP")
        self.qr = QrEncoder()
        self.forms: dict[tuple, str] = {}
        self.on_page = 0
        self.pages = 0
        self.qr_side = layout.qr_side_mm() * mm
        self.text_width, self.text_height = (value * mm for value in layout.text_box_mm())

    def add(self, content: LabelContent) -> None:
        layout = self.layout
        if self.on_page == layout.per_page:
            self.canvas.showPage()
            self.on_page = 0
        if self.on_page == 0:
            self.pages += 1
            self.canvas.setFillGray(0)
        left_mm, top_mm = layout.label_box(self.on_page)
        x = left_mm * mm
        y = (layout.page_height_mm - top_mm - layout.label_height_mm) * mm
        form = self._shared_form(content)
        canvas = self.canvas
        canvas.saveState()
        canvas.translate(x, y)
        canvas.doForm(form)
        self._draw_qr(content.url)
        self._draw_code(content)
        canvas.restoreState()
        self.on_page += 1

    def _draw_qr(self, url: str) -> None:
        run = self.qr.run_for(url)
        if self.qr_side / run.size < MIN_MODULE_MM * mm:
            message = _("Mã QR quá nhỏ trên tem này: hãy chọn tem lớn hơn.")
            raise ValidationFailed(message, fields={"preset": [message]})
        pad = PADDING_MM * mm
        top = self.layout.label_height_mm * mm - pad
        self.canvas.addLiteral(
            f"q {self.qr_side:.3f} 0 0 {self.qr_side:.3f} {pad:.3f} {top - self.qr_side:.3f} cm "
            f"BI /W {run.size} /H {run.size} /BPC 1 /CS /G /F /AHx ID {run.image(url).hex()}> EI Q"
        )

    def _draw_code(self, content: LabelContent) -> None:
        regular, bold = self.fonts
        pad = PADDING_MM * mm
        top = self.layout.label_height_mm * mm - pad
        self.canvas.setFont(regular, CODE_SIZE_PT)
        baseline = top - self.qr_side - CODE_SIZE_PT * 0.95
        self.canvas.drawCentredString(pad + self.qr_side / 2, baseline, grouped(content.serial))
        if content.pin:
            self.canvas.setFont(bold, CODE_SIZE_PT + 1)
            self.canvas.drawString(self._text_left(), pad + 1, _("PIN: %(pin)s", pin=content.pin))

    def _text_left(self) -> float:
        return (PADDING_MM + COLUMN_GAP_MM) * mm + self.qr_side

    def _shared_form(self, content: LabelContent) -> str:
        key = content.shared_key()
        name = self.forms.get(key)
        if name is None:
            name = "L" + hashlib.sha1(repr(key).encode()).hexdigest()[:12]
            self._make_form(name, content)
            self.forms[key] = name
        return name

    def _make_form(self, name: str, content: LabelContent) -> None:
        canvas = self.canvas
        width = self.layout.label_width_mm * mm
        height = self.layout.label_height_mm * mm
        reserve = (CODE_SIZE_PT + 3) if content.pin is not None else 0
        lines = fit_text(
            content.product_name,
            content.cooperative_name,
            facts(content),
            self.fonts,
            self.text_width,
            self.text_height - reserve,
        )
        canvas.beginForm(name, 0, 0, width, height)
        canvas.setFillGray(0)
        left = self._text_left()
        top = height - PADDING_MM * mm
        for line in lines:
            canvas.setFont(line.font, line.size)
            canvas.drawString(left, top - line.baseline, line.text)
        canvas.endForm()

    def close(self) -> None:
        if self.on_page:
            self.canvas.showPage()
        with _binary_streams():
            self.canvas.save()


def render_labels(
    labels: Iterable[LabelContent],
    layout: LabelLayout,
    out: str | Path | BinaryIO,
    *,
    progress: Callable[[int], None] | None = None,
    every: int = 500,
) -> int:
    """Write a PDF of `labels` on `layout` to `out`; calls `progress(n)` after every `every` labels (and at the
    end) with the number done since the last call. Returns the number of pages."""
    writer = SheetWriter(out, layout)
    pending = 0
    for content in labels:
        writer.add(content)
        pending += 1
        if progress and pending >= every:
            progress(pending)
            pending = 0
    writer.close()
    if progress and pending:
        progress(pending)
    return writer.pages
