"""Sales channels: one module per channel, each defining `PLUGIN` (a `SalesChannel`, see base.py).

Spreadsheet channels (Postmart, Voso) produce a bulk-upload workbook plus a ZIP of photos (sheets.py holds what
they share); feed channels (Google Merchant, Facebook/Zalo catalogue) produce a file that the platform fetches
from a stable URL.
"""

from __future__ import annotations

from flask_babel import gettext as _

from marketplace.errors import NotFound
from marketplace.registry import Registry

from .base import Capability, SalesChannel

__all__ = ["Capability", "SalesChannel", "all_channels", "channels_with", "get_channel"]

CHANNELS: Registry[SalesChannel] = Registry("integrations.channels", skip=("base", "sheets"))


def get_channel(channel_id: str) -> SalesChannel:
    """The channel with this id, or a translated 404."""
    if channel_id not in CHANNELS:
        raise NotFound(_("Không có kênh bán hàng '%(id)s'.", id=channel_id))
    return CHANNELS.get(channel_id)


def all_channels() -> list[SalesChannel]:
    """Every channel, feeds first, in a stable order."""
    return CHANNELS.all()


def channels_with(capability: Capability) -> list[SalesChannel]:
    """The channels that can do `capability`."""
    return [channel for channel in CHANNELS if capability in channel.capabilities]
