"""Demo orders for khach@demo.ocop.vn across recent months and states (for the commune dashboard)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import func, select

from catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.services import find_user_by_email
from marketplace.text import utcnow

from .cart import shipping_fee
from .checkout import new_order_code
from .models import Checkout, Order, OrderEvent, OrderLine, OrderStatus, Payment, PaymentMethod, PaymentStatus

BUYER = "khach@demo.ocop.vn"
# (days ago, state, method, quantity)
PLAN = (
    (150, OrderStatus.COMPLETED, PaymentMethod.VIETQR, 2),
    (120, OrderStatus.COMPLETED, PaymentMethod.COD, 1),
    (90, OrderStatus.DELIVERED, PaymentMethod.VIETQR, 3),
    (60, OrderStatus.COMPLETED, PaymentMethod.VIETQR, 1),
    (30, OrderStatus.DELIVERED, PaymentMethod.COD, 2),
    (12, OrderStatus.PAID, PaymentMethod.VIETQR, 1),
    (5, OrderStatus.CONFIRMED, PaymentMethod.COD, 2),
    (0, OrderStatus.PENDING_PAYMENT, PaymentMethod.VIETQR, 1),
)
PAID_STATES = {OrderStatus.PAID, OrderStatus.DELIVERED, OrderStatus.COMPLETED}


def seed_demo_orders() -> dict[str, int]:
    """Idempotent: does nothing when the buyer already has orders or no product is published yet."""
    buyer = find_user_by_email(BUYER)
    if buyer is None or db.session.scalar(select(func.count()).select_from(Order).where(Order.buyer_id == buyer.id)):
        return {"đơn hàng mẫu": 0}
    products = db.session.scalars(
        select(Product).where(Product.status == ProductStatus.PUBLISHED).order_by(Product.id).limit(8)
    ).all()
    if not products:
        return {"đơn hàng mẫu": 0}
    now = utcnow()
    for index, (days_ago, state, method, quantity) in enumerate(PLAN):
        _demo_order(buyer, products[index % len(products)], state, method, quantity, now - timedelta(days=days_ago))
    db.session.flush()
    return {"đơn hàng mẫu": len(PLAN)}


def _demo_order(buyer, product: Product, state: OrderStatus, method: PaymentMethod, quantity: int, at) -> None:
    checkout = Checkout(
        public_id=secrets.token_hex(8),
        buyer_id=buyer.id,
        idempotency_key=f"demo-{at:%Y%m%d}-{state}",
        payment_method=method,
        created_at=at,
    )
    subtotal = product.price_vnd * quantity
    shipping = shipping_fee(product.cooperative, product.weight_g * quantity)
    paid = subtotal + shipping if state in PAID_STATES else 0
    order = Order(
        code=new_order_code(),
        checkout=checkout,
        buyer_id=buyer.id,
        cooperative_id=product.cooperative_id,
        status=state,
        payment_method=method,
        subtotal_vnd=subtotal,
        shipping_vnd=shipping,
        total_vnd=subtotal + shipping,
        paid_vnd=paid,
        ship_name=buyer.full_name or "Trần Minh Anh",
        ship_phone="0912345678",
        ship_address="Số 12 ngõ 34 phố Chùa Láng",
        ship_commune_code=product.cooperative.commune_code,
        created_at=at,
        updated_at=at,
        expires_at=at + timedelta(hours=24) if state == OrderStatus.PENDING_PAYMENT else None,
    )
    order.lines = [
        OrderLine(
            product_id=product.id,
            product_name=product.name,
            unit=product.unit,
            unit_price_vnd=product.price_vnd,
            quantity=quantity,
            weight_g=product.weight_g,
        )
    ]
    db.session.add(order)
    db.session.flush()
    db.session.add(
        OrderEvent(order_id=order.id, from_status=None, to_status=str(state), actor_label="dữ liệu mẫu", at=at)
    )
    if paid:
        db.session.add(
            Payment(
                order_id=order.id,
                gateway=str(method),
                provider_reference=f"demo-{order.code}",
                amount_vnd=paid,
                status=PaymentStatus.APPLIED,
                at=at,
            )
        )
