"""Reading the QR codes tests produce: every QR image embedded in a label PDF, decoded with zbar."""

from __future__ import annotations

import io
from urllib.parse import urlparse

from PIL import Image
from pypdf import PdfReader
from pyzbar.pyzbar import decode


def qr_urls(pdf: bytes) -> list[list[str]]:
    """The URL in every QR image of every page, decoded with zbar from the images embedded in the PDF."""
    pages = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        urls = []
        for embedded in page.images:
            image = embedded.image.convert("L")
            image = image.resize((image.width * 6, image.height * 6), Image.NEAREST)
            found = decode(image)
            assert len(found) == 1, f"{embedded.name} did not decode"
            urls.append(found[0].data.decode())
        pages.append(urls)
    return pages


def serial_of(url: str) -> str:
    """The label serial at the end of a scan URL (`/t/<serial>` or a GS1 Digital Link `…/21/<serial>`)."""
    return urlparse(url).path.rsplit("/", 1)[-1]
