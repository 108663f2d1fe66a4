"""The embedded channel: each message written to `instance/outbox/` (listed for admin on /admin/deliveries)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...ops.metrics import count
from .. import send_text
from .base import DeliveryResult, Message, enabled


class OutboxChannel:
    id = "outbox"
    label = _l("Hộp thư thử (instance/outbox)")
    position = 90
    address = "phone"
    inline = False

    def available(self, config) -> bool:
        return enabled(config, self.id)

    def send(self, recipient: str, message: Message) -> DeliveryResult:
        text = message.text + (f" {message.link}" if message.link else "")
        path = send_text(recipient, text, key=message.key)
        if path is not None:
            count("notifications", channel=self.id)
        return DeliveryResult(ok=True, provider_id=path.name if path else None)


PLUGIN = OutboxChannel()
