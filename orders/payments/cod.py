"""Cash on delivery: no payment step; the cooperative confirms the order and records the cash at delivery."""

from __future__ import annotations

from typing import Any, ClassVar

from orders.models import Order


class CashOnDelivery:
    id: ClassVar[str] = "cod"
    needs_payment_step: ClassVar[bool] = False
    starts_remotely: ClassVar[bool] = False

    def start(self, order: Order) -> None:
        return None

    def describe(self, order: Order) -> dict[str, Any]:
        return {"gateway": self.id, "amount_vnd": order.total_vnd}


GATEWAY = CashOnDelivery()
