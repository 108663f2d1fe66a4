"""Background work for orders (Celery tasks) and the `expire-orders` command that runs the same by hand."""

from __future__ import annotations

import click
from celery import shared_task

from marketplace.extensions import db

from . import services

EXPIRE_TASK = "orders.expire_unpaid_orders"


def expire_unpaid_orders() -> int:
    """Cancel unpaid orders past ORDER_PAYMENT_TTL_HOURS and return their stock; commits."""
    count = services.expire_unpaid_orders()
    db.session.commit()
    return count


@shared_task(name=EXPIRE_TASK)
def expire_unpaid_orders_task() -> int:
    """Periodic (beat): see `expire_unpaid_orders`."""
    return expire_unpaid_orders()


@click.command("expire-orders")
def expire_orders_command() -> None:
    """Cancel unpaid orders past ORDER_PAYMENT_TTL_HOURS and return their stock."""
    click.echo(f"Đã huỷ {expire_unpaid_orders()} đơn quá hạn thanh toán.")
