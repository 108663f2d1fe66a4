"""Bank transfer against an invoice ("chuyển khoản theo hóa đơn"): only for verified business buyers, who pay within
INVOICE_DUE_DAYS (default 30) of the order; the cooperative confirms the order and records the transfer."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.buyers.services import is_verified_business
from marketplace.text import as_utc

from .base import Gateway, refused

if TYPE_CHECKING:
    from marketplace.models import User
    from orders.models import Order


class InvoiceTransfer(Gateway):
    id = "invoice"
    label = _l("Chuyển khoản theo hóa đơn (doanh nghiệp)")
    position = 40
    pays_first = False
    expires_unpaid = False

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("INVOICE_DUE_DAYS", int(os.environ.get("INVOICE_DUE_DAYS") or 30))

    def check_buyer(self, buyer: User) -> None:
        if not is_verified_business(buyer):
            raise refused(_("Chỉ người mua doanh nghiệp đã được xác minh mới trả theo hóa đơn."))

    def describe(self, order: Order) -> dict[str, Any]:
        due = as_utc(order.created_at) + timedelta(days=current_app.config["INVOICE_DUE_DAYS"])
        return {"gateway": self.id, "amount_vnd": order.total_vnd, "due_at": due.isoformat()}


PLUGIN = InvoiceTransfer()
