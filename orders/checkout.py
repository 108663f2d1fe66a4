"""Checkout: one order per cooperative, stock reserved all-or-nothing with one conditional UPDATE per line."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from catalog.models import Product, ProductStatus
from marketplace.database import dialect_insert
from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Cooperative, User
from marketplace.services import province_of_commune
from marketplace.text import clean_text, normalise_phone, utcnow

from . import notifications, services
from .cart import MAX_LINES, MAX_QUANTITY, CartGroup, CartLine, shipping_fee
from .models import Checkout, Order, OrderLine, OrderStatus, PaymentMethod
from .payments import stripe as stripe_gateway

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
CODE_PREFIX = "OC"
CODE_LENGTH = 6


@dataclass(frozen=True)
class Shipping:
    name: str
    phone: str
    address: str
    commune_code: int
    note: str = ""


def _random_code() -> str:
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_order_codes(count: int) -> list[str]:
    """`count` unused codes, each `OC` and six random Crockford characters, e.g. `OC7K2Q9M` (one query)."""
    while True:
        codes = {_random_code() for _ in range(count)}
        if len(codes) == count and not db.session.scalar(select(Order.id).where(Order.code.in_(codes)).limit(1)):
            return list(codes)


def new_order_code() -> str:
    """One unused order code (about a billion possibilities)."""
    return new_order_codes(1)[0]


def clean_shipping(
    name: str, phone: str, address: str, commune: object, province: object = None, note: str = ""
) -> Shipping:
    """Validate the delivery details; every problem is reported at once."""
    errors: dict[str, list[str]] = {}
    name, address, note = clean_text(name) or "", clean_text(address) or "", clean_text(note) or ""
    if not name or len(name) > 120:
        errors["name"] = [_("Nhập họ tên người nhận (tối đa 120 ký tự).")]
    mobile = normalise_phone(phone or "")
    if mobile is None:
        errors["phone"] = [_("Số di động Việt Nam gồm 10 số, bắt đầu bằng 0 hoặc +84.")]
    if not address or len(address) > 300:
        errors["address"] = [_("Nhập số nhà, thôn/xóm, đường (tối đa 300 ký tự).")]
    commune_code = int(commune) if str(commune or "").isdigit() else None
    province_code = province_of_commune(commune_code) if commune_code else None
    if province_code is None or (str(province or "").isdigit() and province_code != int(province)):
        errors["commune"] = [_("Chọn xã/phường nhận hàng.")]
    if len(note) > 500:
        errors["note"] = [_("Ghi chú tối đa 500 ký tự.")]
    if errors:
        raise ValidationFailed(_("Vui lòng kiểm tra lại thông tin giao hàng."), fields=errors)
    return Shipping(name, mobile, address, commune_code, note)


def clean_items(raw_items: list[tuple[object, object]]) -> dict[int, int]:
    items: dict[int, int] = {}
    for product_id, quantity in raw_items:
        try:
            pid, qty = int(product_id), int(quantity)
        except (TypeError, ValueError):
            raise ValidationFailed(_("Sản phẩm hoặc số lượng không hợp lệ.")) from None
        if qty < 1 or qty > MAX_QUANTITY:
            raise ValidationFailed(_("Số lượng phải từ 1 đến %(n)d.", n=MAX_QUANTITY))
        items[pid] = items.get(pid, 0) + qty
    if not items:
        raise ValidationFailed(_("Giỏ hàng đang trống."), code="empty_cart")
    if len(items) > MAX_LINES:
        raise ValidationFailed(_("Tối đa %(n)d sản phẩm mỗi lần đặt.", n=MAX_LINES))
    return items


def _groups(items: dict[int, int]) -> list[CartGroup]:
    loaded = joinedload(Product.cooperative)  # with its members: the new-order notices go to them
    products = (
        db.session.scalars(
            select(Product).where(Product.id.in_(items)).options(loaded, loaded.joinedload(Cooperative.members))
        )
        .unique()
        .all()
    )
    found = {p.id: p for p in products if p.status == ProductStatus.PUBLISHED}
    missing = sorted(set(items) - set(found))
    if missing:
        raise ValidationFailed(_("Có sản phẩm không còn được bán."), code="product_unavailable", product_ids=missing)
    groups: dict[int, CartGroup] = {}
    for pid in sorted(items):
        product = found[pid]
        groups.setdefault(product.cooperative_id, CartGroup(product.cooperative)).lines.append(
            CartLine(product, items[pid])
        )
    return [groups[key] for key in sorted(groups)]


def _check_method(method: str, groups: list[CartGroup]) -> PaymentMethod:
    try:
        chosen = PaymentMethod(method)
    except ValueError:
        raise ValidationFailed(_("Chọn cách thanh toán."), fields={"payment_method": [_("Không hợp lệ.")]}) from None
    if chosen == PaymentMethod.STRIPE and not stripe_gateway.enabled():
        raise ValidationFailed(_("Thanh toán thẻ chưa được bật."), fields={"payment_method": [_("Không hợp lệ.")]})
    if chosen == PaymentMethod.VIETQR:
        for group in groups:
            if not (group.cooperative.bank_bin and group.cooperative.account_no):
                raise ValidationFailed(
                    _(
                        "%(coop)s chưa có tài khoản nhận chuyển khoản; hãy chọn cách trả khác.",
                        coop=group.cooperative.name,
                    ),
                    fields={"payment_method": [_("Không hợp lệ.")]},
                )
    return chosen


def reserve_stock(items: dict[int, int]) -> None:
    """All or nothing: one guarded UPDATE per line in product-id order; the first short line aborts all."""
    for product_id in sorted(items):
        quantity = items[product_id]
        result = db.session.execute(
            update(Product)
            .where(Product.id == product_id, Product.stock >= quantity, Product.status == ProductStatus.PUBLISHED)
            .values(stock=Product.stock - quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            name, left = db.session.execute(select(Product.name, Product.stock).where(Product.id == product_id)).one()
            raise Conflict(
                _("“%(name)s” không đủ hàng (còn %(n)d).", name=name, n=max(left, 0)),
                code="insufficient_stock",
                product_id=product_id,
                available=max(left, 0),
            )


def existing_checkout(buyer: User, key: str) -> Checkout | None:
    return db.session.scalar(select(Checkout).where(Checkout.buyer_id == buyer.id, Checkout.idempotency_key == key))


def _claim_key(buyer: User, key: str, method: PaymentMethod) -> Checkout | None:
    """Insert the checkout row first (one statement): a concurrent duplicate waits on the unique key,
    then inserts nothing and finds ours."""
    statement = (
        dialect_insert(Checkout)
        .values(
            public_id=secrets.token_hex(8),
            buyer_id=buyer.id,
            idempotency_key=key,
            payment_method=method,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["buyer_id", "idempotency_key"])
        .returning(Checkout)
    )
    checkout = db.session.scalar(statement)
    if checkout is not None:
        set_committed_value(checkout, "orders", [])  # new: no orders to load, the ones made now append here
    return checkout


def place_checkout(
    buyer: User, raw_items: dict[int, int], method: str, shipping: Shipping, key: str
) -> tuple[Checkout, bool]:
    """(checkout, created): a repeated key returns the first checkout and reserves nothing more."""
    key = (key or "").strip()[:100]
    if key:
        earlier = existing_checkout(buyer, key)
        if earlier is not None:
            return earlier, False
    else:
        key = secrets.token_hex(16)  # no key given: nothing earlier can hold this fresh one
    groups = _groups(raw_items)
    chosen = _check_method(method, groups)
    checkout = _claim_key(buyer, key, chosen)
    if checkout is None:
        return existing_checkout(buyer, key), False
    ttl = timedelta(hours=current_app.config.get("ORDER_PAYMENT_TTL_HOURS", 24))
    orders = [
        _new_order(buyer, checkout, group, chosen, shipping, ttl, code)
        for group, code in zip(groups, new_order_codes(len(groups)), strict=True)
    ]
    db.session.add_all(orders)
    db.session.flush()
    for order in orders:
        services.record_created(order, buyer)
        notifications.order_placed(order)
    db.session.flush()
    # last: the product rows stay locked only from these UPDATEs to the commit, so buyers of the same
    # product queue behind a few statements, not a whole checkout; a short line still undoes everything
    reserve_stock(raw_items)
    return checkout, True


def _new_order(buyer, checkout, group: CartGroup, method: PaymentMethod, shipping: Shipping, ttl, code) -> Order:
    prepaid = method != PaymentMethod.COD
    shipping_vnd = shipping_fee(group.cooperative, group.weight_g)
    order = Order(
        code=code,
        checkout=checkout,
        buyer_id=buyer.id,
        cooperative_id=group.cooperative.id,
        status=OrderStatus.PENDING_PAYMENT if prepaid else OrderStatus.AWAITING_CONFIRMATION,
        payment_method=method,
        subtotal_vnd=group.subtotal_vnd,
        shipping_vnd=shipping_vnd,
        total_vnd=group.subtotal_vnd + shipping_vnd,
        paid_vnd=0,
        ship_name=shipping.name,
        ship_phone=shipping.phone,
        ship_address=shipping.address,
        ship_commune_code=shipping.commune_code,
        note=shipping.note,
        expires_at=utcnow() + ttl if prepaid else None,
    )
    order.lines = [
        OrderLine(
            product_id=line.product.id,
            product_name=line.product.name,
            unit=line.product.unit,
            unit_price_vnd=line.product.price_vnd,
            quantity=line.quantity,
            weight_g=line.product.weight_g,
        )
        for line in group.lines
    ]
    return order


def start_payments(checkout: Checkout) -> None:
    """After the checkout committed: let each gateway prepare (a Stripe PaymentIntent per order)."""
    from .payments import get_gateway

    for order in checkout.orders:
        if order.status == OrderStatus.PENDING_PAYMENT:
            get_gateway(order.payment_method).start(order)
    db.session.flush()
