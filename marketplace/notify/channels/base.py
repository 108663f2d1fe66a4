"""What every notification channel offers: a stable id, a label, whether it is configured, and `send`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable


class DeliveryFailed(Exception):
    """A passing failure (network, provider busy): the delivery task tries again later with backoff."""


@dataclass(frozen=True)
class Message:
    """One short notice: `key` identifies it for good (a retried task reuses it as the provider's request id)."""

    key: str
    event: str
    text: str
    link: str | None = None
    subject: str | None = None


@dataclass(frozen=True)
class DeliveryResult:
    """What a channel did with a message: taken (`ok`) with the provider's id and cost, or refused for good."""

    ok: bool
    provider_id: str | None = None
    error: str | None = None
    cost_vnd: int | None = None
    # refused because the person cannot be reached this way (not on Zalo, no template, quota): try the next channel
    fallback: bool = False


@runtime_checkable
class NotificationChannel(Protocol):
    id: str
    label: str
    position: int
    # what the recipient is: an E.164 phone or an e-mail address
    address: Literal["phone", "email"]
    # sent in the caller's transaction (the mail outbox is itself delivered after commit) instead of by a task
    inline: bool

    def available(self, config: Mapping[str, Any]) -> bool:
        """Configured and switched on (NOTIFY_CHANNELS) on this site."""
        ...

    def send(self, recipient: str, message: Message) -> DeliveryResult:
        """Deliver one message; raise DeliveryFailed for a failure worth retrying."""
        ...


def enabled(config: Mapping[str, Any], channel_id: str) -> bool:
    """NOTIFY_CHANNELS (comma-separated ids) switches channels on; empty: every configured channel."""
    listed = [part.strip() for part in str(config.get("NOTIFY_CHANNELS") or "").split(",") if part.strip()]
    return not listed or channel_id in listed
