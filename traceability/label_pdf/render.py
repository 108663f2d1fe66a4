"""Label sheets as PDF: one QR per label drawn as a 1-bit inline image, the text shared by a run's labels drawn
once as a form XObject, pages written as the label iterator is consumed.

Print quality on cheap printers: everything is pure black (DeviceGray 0) on unprinted paper, there are no
lines at all (so no hairlines), QR modules are at least 0.33 mm (the layout refuses smaller labels).
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _
from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFName, PDFStream
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from marketplace.errors import ValidationFailed
from marketplace.pdf import register_fonts

from ..serials import grouped
from .layout import COLUMN_GAP_MM, MIN_MODULE_MM, PADDING_MM, LabelLayout
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
    """The one-line facts under the names: lot, dates, OCOP stars, and what the QR is for (last, so the legal
    facts keep their place when a small label has no room for everything)."""
    lines = [_("Lô: %(lot)s", lot=content.lot)]
    if content.produced_on:
        lines.append(_("NSX: %(date)s", date=date_vn(content.produced_on)))
    if content.expires_on:
        lines.append(_("HSD: %(date)s", date=date_vn(content.expires_on)))
    if content.ocop_stars in (3, 4, 5):
        lines.append("OCOP " + STAR * content.ocop_stars)
    lines.append(_("Quét để truy xuất nguồn gốc"))
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


class StreamingCanvas(Canvas):
    """A canvas that compresses each page's content as the page is finished, so a long run holds
    compressed pages (≈ 0.25 KB a label) rather than their text until the file is saved."""

    def showPage(self) -> None:
        super().showPage()
        page = self._doc.Pages.pages[-1]
        if page.stream:
            content = zlib.compress(page.stream.encode("utf-8"))
            page.Contents = PDFStream(PDFDictionary({"Filter": PDFName("FlateDecode")}), content)
            page.stream = None


class _TextOps:
    """Text operators for one embedded TrueType font, written directly: each character is registered with the
    document's font subsets once (as reportlab's own text objects do), then lines cost a dictionary lookup."""

    def __init__(self, font_name: str, doc: object) -> None:
        self.font = pdfmetrics.getFont(font_name)
        self.name = font_name
        self.doc = doc
        self.chars: dict[str, tuple[str, bytes]] = {}

    def width(self, text: str, size: float) -> float:
        return stringWidth(text, self.name, size)

    def show(self, text: str, size: float, x: float, y: float) -> str:
        """`BT … ET` drawing `text` with its baseline starting at (x, y)."""
        ops = [f"BT {x:.3f} {y:.3f} Td"]
        current, chunk = "", bytearray()
        for char in text:
            entry = self.chars.get(char)
            if entry is None:
                ((subset, code),) = self.font.splitString(char, self.doc)
                entry = self.chars[char] = (self.font.getSubsetInternalName(subset, self.doc), code)
            font, code = entry
            if font != current and chunk:
                ops.append(f"{current} {size:.2f} Tf <{chunk.hex()}> Tj")
                chunk = bytearray()
            current = font
            chunk += code
        if chunk:
            ops.append(f"{current} {size:.2f} Tf <{chunk.hex()}> Tj")
        ops.append("ET")
        return " ".join(ops)


class SheetWriter:
    """Draws labels onto pages of `layout`, one after the other."""

    def __init__(self, out: str | Path | BinaryIO, layout: LabelLayout) -> None:
        self.layout = layout
        self.fonts = register_fonts()
        self.canvas = StreamingCanvas(
            str(out) if isinstance(out, Path) else out,
            pagesize=(layout.page_width_mm * mm, layout.page_height_mm * mm),
            pageCompression=1,
            invariant=1,
        )
        self.canvas.setTitle(_("Tem truy xuất nguồn gốc"))
        self.canvas.setCreator("Chợ OCOP")
        self.qr = QrEncoder()
        self.regular, self.bold = (_TextOps(name, self.canvas._doc) for name in self.fonts)
        self.forms_on_page: set[str] = set()
        self.checked_sizes: set[int] = set()
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
            self.forms_on_page.clear()
        if self.on_page == 0:
            self.pages += 1
            self.canvas.setFillGray(0)
        left_mm, top_mm = layout.label_box(self.on_page)
        x = left_mm * mm
        y = (layout.page_height_mm - top_mm - layout.label_height_mm) * mm
        form = self._shared_form(content)
        canvas = self.canvas
        canvas.addLiteral(f"q 1 0 0 1 {x:.3f} {y:.3f} cm")
        if form in self.forms_on_page:
            canvas.addLiteral(f"/FormXob.{form} Do")
        else:
            canvas.doForm(form)
            self.forms_on_page.add(form)
        canvas.addLiteral(self._qr_ops(content.url) + self._code_ops(content) + " Q")
        self.on_page += 1

    def _qr_ops(self, url: str) -> str:
        """The QR as a 1-bit inline image (ASCII hex inside the Flate-compressed page stream)."""
        run = self.qr.run_for(url)
        if run.size not in self.checked_sizes:
            if self.qr_side / run.size < MIN_MODULE_MM * mm:
                message = _("Mã QR quá nhỏ trên tem này: hãy chọn tem lớn hơn.")
                raise ValidationFailed(message, fields={"preset": [message]})
            self.checked_sizes.add(run.size)
        side, pad = self.qr_side, PADDING_MM * mm
        bottom = self.layout.label_height_mm * mm - pad - side
        return (
            f"q {side:.3f} 0 0 {side:.3f} {pad:.3f} {bottom:.3f} cm "
            f"BI /W {run.size} /H {run.size} /BPC 1 /CS /G /F /AHx ID {run.image(url).hex()}> EI Q"
        )

    def _code_ops(self, content: LabelContent) -> str:
        """The grouped serial centred under the QR, and the scratch PIN in the text column."""
        pad = PADDING_MM * mm
        code = grouped(content.serial)
        width = self.regular.width(code, 1)
        size = min(CODE_SIZE_PT, self.qr_side / width)
        baseline = self.layout.label_height_mm * mm - pad - self.qr_side - CODE_SIZE_PT * 0.95
        ops = " " + self.regular.show(code, size, pad + (self.qr_side - width * size) / 2, baseline)
        if content.pin:
            pin = _("PIN: %(pin)s", pin=content.pin)
            ops += " " + self.bold.show(pin, CODE_SIZE_PT + 1, self._text_left(), pad + 1)
        return ops

    def _text_left(self) -> float:
        return (PADDING_MM + COLUMN_GAP_MM) * mm + self.qr_side

    def _shared_form(self, content: LabelContent) -> str:
        key = content.shared_key()
        name = self.forms.get(key)
        if name is None:
            name = f"Label{len(self.forms) + 1}"
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
