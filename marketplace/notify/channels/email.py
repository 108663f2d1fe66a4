"""E-mail through the existing mail outbox (marketplace.mail.queue_mail: SMTP or files, sent after commit)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...mail import queue_mail
from .base import DeliveryResult, Message, enabled


class EmailChannel:
    id = "email"
    label = _l("E-mail")
    position = 30
    address = "email"
    inline = True  # the mail outbox row is written with the change; its own task sends it after commit

    def available(self, config) -> bool:
        return enabled(config, self.id)

    def send(self, recipient: str, message: Message) -> DeliveryResult:
        subject = message.subject or _("Chợ OCOP: %(text)s", text=message.text[:80])
        body = message.text + (f"\n\n{message.link}" if message.link else "")
        mail = queue_mail(recipient, subject, body)
        db.session.flush()  # the outbox row's id is the delivery's provider id
        return DeliveryResult(ok=True, provider_id=f"mail:{mail.id}")


PLUGIN = EmailChannel()
