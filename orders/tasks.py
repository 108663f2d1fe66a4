"""Background work for orders (Celery tasks)."""

from __future__ import annotations

from celery import shared_task

EXPIRE_TASK = "orders.expire_unpaid_orders"


def expire_unpaid_orders() -> int:
    """Cancel unpaid VietQR/Stripe orders past ORDER_PAYMENT_TTL_HOURS and return their stock; commits."""
    from marketplace.extensions import db

    from . import services

    count = services.expire_unpaid_orders()
    db.session.commit()
    return count


@shared_task(name=EXPIRE_TASK)
def expire_unpaid_orders_task() -> int:
    """Periodic (beat): see `expire_unpaid_orders`."""
    return expire_unpaid_orders()
