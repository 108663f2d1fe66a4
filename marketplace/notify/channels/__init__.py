"""Notification channels: one module each in this package (`PLUGIN = ...`), found by the registry; `base` has the
protocol. Adding a provider is adding a module here."""

from __future__ import annotations

from marketplace.registry import Registry

from .base import DeliveryFailed, DeliveryResult, Message, NotificationChannel

CHANNELS: Registry[NotificationChannel] = Registry("marketplace.notify.channels")

__all__ = ["CHANNELS", "DeliveryFailed", "DeliveryResult", "Message", "NotificationChannel"]
