"""Mass-upload workbooks in the shape Vietnamese seller centres use, a ZIP of photos, and reading back
the platform's own product export (to learn each listing's id and URL)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from PIL import Image, ImageOps

from marketplace.storage import storage
from marketplace.text import fold, format_date, spreadsheet_row

from ..product_data import ProductFacts, product_id_from_sku
from .base import Capability

MAX_IMAGES = 9
PHOTO_SIDE = 1000  # square, white padded: seller centres ask for 1:1, at least 500 px, under 2 MB
PHOTO_MIN_SIDE = 500


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[ProductFacts, str], Any]
    width: int = 16
    note: str = ""


def _image(n: int) -> Callable[[ProductFacts, str], str]:
    return lambda f, _c: f.image_urls[n] if len(f.image_urls) > n else ""


def common_columns(labels: dict[str, str]) -> list[Column]:
    """The columns both post-office marketplaces need; `labels` gives each platform's header wording."""
    columns = [
        Column(labels["category"], lambda _f, cat: cat, 28, "Ngành hàng của sàn (theo bảng ánh xạ danh mục)"),
        Column(labels["name"], lambda f, _c: f.name[:120], 40, "Tối đa 120 ký tự"),
        Column(labels["description"], lambda f, _c: f.description[:3000], 60),
        Column(labels["sku"], lambda f, _c: f.sku, 14, "Không sửa: dùng để đối chiếu khi cập nhật"),
        Column(labels["price"], lambda f, _c: f.price_vnd, 12, "Đồng, số nguyên"),
        Column(labels["stock"], lambda f, _c: f.stock, 10),
        Column(labels["unit"], lambda f, _c: f.unit, 10),
    ]
    columns += [Column(f"{labels['image']} {n + 1}", _image(n), 30) for n in range(MAX_IMAGES)]
    columns += [
        Column(labels["weight"], lambda f, _c: f.packed_weight_g, 12, "Gram, đã gồm bao bì"),
        Column(labels["length"], lambda f, _c: f.size_cm[0], 10),
        Column(labels["width"], lambda f, _c: f.size_cm[1], 10),
        Column(labels["height"], lambda f, _c: f.size_cm[2], 10),
        Column(labels["days_to_ship"], lambda f, _c: f.days_to_ship, 10),
        Column("Hạng OCOP (sao)", lambda f, _c: f.ocop_stars or "", 10),
        Column("Số quyết định công nhận OCOP", lambda f, _c: f.ocop_decision, 24),
        Column("Hạn chứng nhận OCOP", lambda f, _c: format_date(f.ocop_expires_on), 14),
        Column("Hạn sử dụng (ngày)", lambda f, _c: f.shelf_life_days or "", 10),
        Column("Nhà sản xuất", lambda f, _c: f.producer, 30),
        Column("Địa chỉ nhà sản xuất", lambda f, _c: f.producer_address, 36),
        Column("Xã/phường", lambda f, _c: f.commune, 20),
        Column("Tỉnh/thành phố", lambda f, _c: f.province, 16),
        Column("Link truy xuất nguồn gốc", lambda f, _c: f.trace_url, 40),
        Column("Mã vạch GTIN", lambda f, _c: f.gtin or "", 16),
    ]
    return columns


class SpreadsheetChannel:
    """Shared behaviour of channels that take a bulk-upload sheet plus a photo ZIP."""

    id: ClassVar[str]
    name: ClassVar[str]
    seller_centre: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.BULK_SHEET, Capability.PHOTOS_ZIP, Capability.READ_BACK}
    )
    columns: ClassVar[list[Column]]
    default_categories: ClassVar[tuple[str, ...]]
    instructions: ClassVar[tuple[str, ...]]
    sheet_title: ClassVar[str] = "Sản phẩm"

    def row(self, facts: ProductFacts, category: str) -> list[Any]:
        return spreadsheet_row(column.value(facts, category) for column in self.columns)

    def write_workbook(self, rows: Iterable[tuple[ProductFacts, str]], out: Path) -> int:
        """Write the upload sheet (header, a notes row, one row per product) and an instructions sheet."""
        book = Workbook(write_only=False)
        sheet = book.active
        sheet.title = self.sheet_title
        sheet.append([c.header for c in self.columns])
        sheet.append([c.note for c in self.columns])
        for index, column in enumerate(self.columns, start=1):
            sheet.cell(1, index).font = Font(bold=True, color="FFFFFF")
            sheet.cell(1, index).fill = PatternFill("solid", fgColor="1F6F43")
            sheet.cell(2, index).font = Font(italic=True, color="5C6B63")
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = column.width
        sheet.freeze_panes = "A3"
        count = 0
        for facts, category in rows:
            sheet.append(self.row(facts, category))
            count += 1
        guide = book.create_sheet("Hướng dẫn")
        for line in self.instructions:
            guide.append(spreadsheet_row([line]))
        guide.column_dimensions["A"].width = 120
        for cell in guide["A"]:
            cell.alignment = Alignment(wrap_text=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        book.save(out)
        return count

    @staticmethod
    def write_photos(facts: Iterable[ProductFacts], out: Path) -> int:
        """Every product photo as a square JPEG named SKU_n.jpg, in the size seller centres accept."""
        written = 0
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for item in facts:
                for n, key in enumerate(item.image_files[:MAX_IMAGES], start=1):
                    archive.writestr(f"{item.sku}_{n}.jpg", square_jpeg(io.BytesIO(storage().read(key))))
                    written += 1
        return written

    @staticmethod
    def read_back(data: bytes) -> list[tuple[int, str | None, str | None]]:
        """(our product id, platform id, platform URL) from the platform's product export workbook."""
        return read_platform_export(data)


def square_jpeg(source_file) -> bytes:
    """A stored photo (a path or a binary stream) as a white-padded square JPEG."""
    with Image.open(source_file) as source:
        image = ImageOps.exif_transpose(source).convert("RGB")
    side = min(PHOTO_SIDE, max(PHOTO_MIN_SIDE, image.width, image.height))
    image.thumbnail((side, side))
    canvas = Image.new("RGB", (side, side), "white")
    canvas.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue()


SKU_HEADERS = ("sku", "sku san pham", "ma sku", "sku phan loai", "ma sku nguoi ban")
ID_HEADERS = ("id san pham", "ma san pham", "product id", "id", "ma sp")
URL_HEADERS = ("link san pham", "duong dan", "url", "link", "product url")


def _find(headers: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in headers:
            return headers.index(name)
    return None


def read_platform_export(data: bytes) -> list[tuple[int, str | None, str | None]]:
    """Find the header row (the first with a SKU column) and read our SKUs with the platform's id and URL."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    found: list[tuple[int, str | None, str | None]] = []
    for sheet in book.worksheets:
        columns: tuple[int | None, int | None, int | None] | None = None
        for row in sheet.iter_rows(values_only=True):
            cells = [fold(str(v)).strip() if v is not None else "" for v in row]
            if columns is None:
                sku_at = _find(cells, SKU_HEADERS)
                if sku_at is not None:
                    columns = (sku_at, _find(cells, ID_HEADERS), _find(cells, URL_HEADERS))
                continue
            product_id = product_id_from_sku(row[columns[0]] if columns[0] < len(row) else None)
            if product_id is None:
                continue
            external_id = _cell(row, columns[1])
            url = _cell(row, columns[2])
            found.append((product_id, external_id, url if url and url.startswith("http") else None))
    book.close()
    return found


def _cell(row: tuple, index: int | None) -> str | None:
    if index is None or index >= len(row) or row[index] in (None, ""):
        return None
    return str(row[index]).strip()[:500]
