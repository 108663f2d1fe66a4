"""Cash on delivery: no payment step; the cooperative confirms the order and the cash counts at delivery."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .base import Gateway


class CashOnDelivery(Gateway):
    id = "cod"
    label = _l("Trả tiền mặt khi nhận hàng")
    position = 20
    pays_first = False
    expires_unpaid = False
    settled_on_delivery = True


PLUGIN = CashOnDelivery()
