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
from .codes import new_order_code
from .models import Checkout, Order, OrderEvent, OrderLine, OrderStatus, Payment, PaymentStatus
from .payments import get_gateway

BUYER = "khach@demo.ocop.vn"
VIETQR, COD = "vietqr", "cod"  # gateway ids (orders/payments/)
HISTORY_ORDERS = 36  # one every 9 days from 340 to 25 days ago, so every month of the last year has sales
RECENT = (
    (12, OrderStatus.PAID, VIETQR, 1),
    (5, OrderStatus.CONFIRMED, COD, 2),
    (2, OrderStatus.AWAITING_CONFIRMATION, COD, 1),
    (0, OrderStatus.PENDING_PAYMENT, VIETQR, 1),
)


def _history_row(i: int) -> tuple[int, OrderStatus, str, int]:
    """Older orders: mostly completed, some delivered, one in seven cancelled; one in three cash on delivery."""
    state = OrderStatus.CANCELLED if i % 7 == 3 else OrderStatus.DELIVERED if i % 5 == 2 else OrderStatus.COMPLETED
    method = COD if i % 3 == 1 else VIETQR
    return 340 - 9 * i, state, method, 1 + i % 3


# (days ago, state, method, quantity); order i goes to cooperative i mod n, so each one sells all year round
PLAN = tuple(_history_row(i) for i in range(HISTORY_ORDERS)) + RECENT
PAID_STATES = {OrderStatus.PAID, OrderStatus.DELIVERED, OrderStatus.COMPLETED}


def seed_demo_orders() -> dict[str, int]:
    """Idempotent: does nothing when the buyer already has orders or no product is published yet."""
    buyer = find_user_by_email(BUYER)
    if buyer is None or db.session.scalar(select(func.count()).select_from(Order).where(Order.buyer_id == buyer.id)):
        return {"đơn hàng mẫu": 0}
    products = db.session.scalars(
        select(Product).where(Product.status == ProductStatus.PUBLISHED).order_by(Product.id)
    ).all()
    if not products:
        return {"đơn hàng mẫu": 0}
    now = utcnow()
    for index, (days_ago, state, method, quantity) in enumerate(PLAN):
        at = now - timedelta(days=days_ago, hours=index % 9)
        _demo_order(buyer, pick_product(products, index), state, method, quantity, at, index)
    db.session.flush()
    return {"đơn hàng mẫu": len(PLAN)}


def pick_product(products: list[Product], index: int) -> Product:
    """Order `index` goes to cooperative `index mod n` (in product-id order), cycling through its products."""
    by_cooperative: dict[int, list[Product]] = {}
    for product in products:
        by_cooperative.setdefault(product.cooperative_id, []).append(product)
    own = list(by_cooperative.values())[index % len(by_cooperative)]
    return own[(index // len(by_cooperative)) % len(own)]


def _demo_order(buyer, product: Product, state: OrderStatus, method: str, quantity: int, at, index: int) -> None:
    checkout = Checkout(
        public_id=secrets.token_hex(8),
        buyer_id=buyer.id,
        idempotency_key=f"demo-{index}",
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
    get_gateway(method).placed(order, product.cooperative)  # VietQR: the payee its QR shows
    db.session.add(order)
    db.session.flush()
    db.session.add(
        OrderEvent(order_id=order.id, from_status=None, to_status=str(state), actor_label="dữ liệu mẫu", at=at)
    )
    if paid:
        db.session.add(
            Payment(
                order_id=order.id,
                cooperative_id=product.cooperative_id,
                gateway=method,
                provider_reference=f"demo-{order.code}",
                amount_vnd=paid,
                status=PaymentStatus.APPLIED,
                at=at,
            )
        )
