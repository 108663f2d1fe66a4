"""Sales channels: a `SalesChannel` protocol with a stable `id`, and a registry of the channels we speak to.

Spreadsheet channels (Postmart, Voso) produce a bulk-upload workbook plus a ZIP of photos; feed channels
(Google Merchant, Facebook/Zalo catalogue) produce a file that the platform fetches from a stable URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import ClassVar, Protocol, runtime_checkable

from flask_babel import gettext as _

from marketplace.errors import NotFound


class Capability(StrEnum):
    BULK_SHEET = "bulk_sheet"  # writes the platform's mass-upload .xlsx
    PHOTOS_ZIP = "photos_zip"  # writes a ZIP of photos in the sizes the platform accepts
    READ_BACK = "read_back"  # reads the platform's own product export to learn external ids and URLs
    FEED = "feed"  # a file the platform fetches from a stable URL


@runtime_checkable
class SalesChannel(Protocol):
    id: ClassVar[str]
    name: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]]


REGISTRY: dict[str, SalesChannel] = {}


def register(channel: SalesChannel) -> SalesChannel:
    """Add a channel under its stable id (ids are stored in the database: never rename one)."""
    REGISTRY[channel.id] = channel
    return channel


def get_channel(channel_id: str) -> SalesChannel:
    load_channels()
    channel = REGISTRY.get(channel_id)
    if channel is None:
        raise NotFound(_("Không có kênh bán hàng '%(id)s'.", id=channel_id))
    return channel


def all_channels() -> list[SalesChannel]:
    load_channels()
    return list(REGISTRY.values())


def channels_with(capability: Capability) -> Iterable[SalesChannel]:
    return [c for c in all_channels() if capability in c.capabilities]


def load_channels() -> None:
    """Import every channel module once (each registers itself)."""
    from . import facebook_feed, google_feed, postmart, voso  # noqa: F401
