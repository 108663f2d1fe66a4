"""What every sales channel is (`SalesChannel`: a stable `id`, a name, its capabilities) and what the feed
channels share."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Protocol, runtime_checkable

FEED_DEFAULT_CATEGORY = "412"  # Google's product taxonomy, which Meta's catalogue reads too: Food, Beverages & Tobacco


class Capability(StrEnum):
    BULK_SHEET = "bulk_sheet"  # writes the platform's mass-upload .xlsx
    PHOTOS_ZIP = "photos_zip"  # writes a ZIP of photos in the sizes the platform accepts
    READ_BACK = "read_back"  # reads the platform's own product export to learn external ids and URLs
    FEED = "feed"  # a file the platform fetches from a stable URL


@runtime_checkable
class SalesChannel(Protocol):
    """A channel module's `PLUGIN`; its `id` is stored in the database, so never rename one."""

    id: ClassVar[str]
    name: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]]


def feed_price(amount_vnd: int) -> str:
    """A price as product feeds write it: `125000 VND`."""
    return f"{amount_vnd} VND"
