"""Checkout: one order per cooperative, stock reserved all-or-nothing with one conditional UPDATE per line.

`checkout()` is the use case both edges (the checkout page and `POST /api/v1/checkout`) call; the rest are its steps.
Statement counts matter here (README "Checkouts per second"): a checkout must not grow a query per order or line.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from catalog import variants
from catalog.models import Product, ProductStatus, ProductVariant
from catalog.services import stock_changed_for
from catalog.variants import LineKey
from marketplace.database import dialect_insert
from marketplace.errors import DomainError, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Cooperative, User
from marketplace.ops.metrics import count
from marketplace.services import ensure_cooperative_verified, province_of_commune
from marketplace.text import clean_text, normalise_phone, utcnow

from . import notifications, services
from .cart import MAX_LINES, MAX_QUANTITY, CartGroup, CartLine, remove_products, shipping_fee
from .codes import new_order_codes
from .models import Checkout, Order, OrderLine, OrderStatus
from .payments import PaymentGateway, chosen_gateway, get_gateway


@dataclass(frozen=True)
class Shipping:
    name: str
    phone: str
    address: str
    commune_code: int
    note: str = ""


class PaymentNotStarted(DomainError):
    """The checkout is placed and committed, but a gateway could not start a payment (its provider failed);
    the same key, or the order's payment page, starts it again."""

    def __init__(self, checkout: Checkout, cause: DomainError) -> None:
        super().__init__(cause.message, code=cause.code, status=cause.status, **cause.extra)
        self.checkout = checkout


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


ItemKey = tuple[int, int | None]  # (product id, variant id or None for the product's default variant)


def _item_key(product_id: object, variant_id: object) -> ItemKey:
    try:
        return int(product_id), None if variant_id in (None, "") else int(variant_id)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Sản phẩm hoặc số lượng không hợp lệ.")) from None


def clean_items(raw_items: list[tuple[object, ...]]) -> dict[ItemKey, int]:
    """(product id, quantity[, variant id]) rows → {(product id, variant id): quantity}, repeats added up."""
    items: dict[ItemKey, int] = {}
    for product_id, quantity, *variant in raw_items:
        key = _item_key(product_id, variant[0] if variant else None)
        try:
            qty = int(quantity)
        except (TypeError, ValueError):
            raise ValidationFailed(_("Sản phẩm hoặc số lượng không hợp lệ.")) from None
        if qty < 1 or qty > MAX_QUANTITY:
            raise ValidationFailed(_("Số lượng phải từ 1 đến %(n)d.", n=MAX_QUANTITY))
        items[key] = items.get(key, 0) + qty
    if not items:
        raise ValidationFailed(_("Giỏ hàng đang trống."), code="empty_cart")
    if len(items) > MAX_LINES:
        raise ValidationFailed(_("Tối đa %(n)d sản phẩm mỗi lần đặt.", n=MAX_LINES))
    return items


def _products(product_ids: set[int]) -> dict[int, Product]:
    """The published products of these ids, with their seller (and members: the new-order notices go to them)
    and their variants with tiers."""
    loaded = joinedload(Product.cooperative)
    products = (
        db.session.scalars(
            select(Product)
            .where(Product.id.in_(product_ids))
            .options(
                loaded,
                loaded.joinedload(Cooperative.members),
                selectinload(Product.variants).selectinload(ProductVariant.tiers),
            )
        )
        .unique()
        .all()
    )
    found = {p.id: p for p in products if p.status == ProductStatus.PUBLISHED}
    missing = sorted(product_ids - set(found))
    if missing:
        raise ValidationFailed(_("Có sản phẩm không còn được bán."), code="product_unavailable", product_ids=missing)
    unverified = sorted(pid for pid, product in found.items() if not product.cooperative.verified)
    if unverified:
        ensure_cooperative_verified(
            found[unverified[0]].cooperative,
            _("Có sản phẩm của người bán chưa được xã xác minh, chưa đặt mua được."),
            product_ids=unverified,
        )
    return found


def _groups(items: dict[ItemKey, int], negotiated: Mapping[int, int]) -> tuple[list[CartGroup], dict[LineKey, int]]:
    """Lines grouped by cooperative (variants resolved, minimum quantities checked), and the units per variant."""
    found = _products({pid for pid, _variant in items})
    lines: dict[LineKey, int] = {}
    for (pid, variant_id), quantity in items.items():
        key = (pid, variants.resolve(found[pid], variant_id).id)
        lines[key] = lines.get(key, 0) + quantity
    per_product: dict[int, int] = {}
    for (pid, _variant), quantity in lines.items():
        per_product[pid] = per_product.get(pid, 0) + quantity
    for pid in sorted(set(per_product) - set(negotiated)):  # a negotiated deal sets its own quantity
        variants.check_minimum(found[pid], per_product[pid])
    groups: dict[int, CartGroup] = {}
    for pid, variant_id in sorted(lines):
        product = found[pid]
        variant = next(v for v in product.variants if v.id == variant_id)
        groups.setdefault(product.cooperative_id, CartGroup(product.cooperative)).lines.append(
            CartLine(product, lines[(pid, variant_id)], variant, negotiated.get(pid))
        )
    return [groups[key] for key in sorted(groups)], lines


def _check_method(method: str, groups: list[CartGroup], buyer: User) -> PaymentGateway:
    gateway = chosen_gateway(method)
    gateway.check_buyer(buyer)
    gateway.check_checkout(groups)
    return gateway


def reserve_stock(lines: dict[LineKey, int]) -> None:
    """All or nothing (catalog.variants.take_stock): the first short variant aborts all.
    The catalogue is told (channels, webhooks, feeds) only once every line is reserved."""
    variants.take_stock(lines)
    stock_changed_for(sorted({pid for pid, _variant in lines}))


def existing_checkout(buyer: User, key: str) -> Checkout | None:
    return db.session.scalar(select(Checkout).where(Checkout.buyer_id == buyer.id, Checkout.idempotency_key == key))


def _claim_key(buyer: User, key: str, method: str) -> Checkout | None:
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
    buyer: User,
    items: Iterable[tuple[object, ...]],
    method: str,
    shipping: Shipping,
    key: str,
    negotiated_prices: Mapping[int, int] | None = None,
) -> tuple[Checkout, bool]:
    """(checkout, created): a repeated key returns the first checkout, checks nothing and reserves nothing more.

    `negotiated_prices` ({product id: unit price}) comes only from server code (an accepted demand offer), never
    from a form or the checkout API; those products' lines take that price and skip the minimum order quantity
    (the seller offered that quantity)."""
    key = (key or "").strip()[:100]
    if key:
        earlier = existing_checkout(buyer, key)
        if earlier is not None:
            return earlier, False
    else:
        key = secrets.token_hex(16)  # no key given: nothing earlier can hold this fresh one
    groups, lines = _groups(clean_items(list(items)), negotiated_prices or {})
    gateway = _check_method(method, groups, buyer)
    checkout = _claim_key(buyer, key, gateway.id)
    if checkout is None:
        return existing_checkout(buyer, key), False
    ttl = timedelta(hours=current_app.config.get("ORDER_PAYMENT_TTL_HOURS", 24))
    orders = [
        _new_order(buyer, checkout, group, gateway, shipping, ttl, code)
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
    reserve_stock(lines)
    count("checkouts", on_commit=True, payment_method=gateway.id)
    return checkout, True


def _new_order(buyer, checkout, group: CartGroup, gateway: PaymentGateway, shipping: Shipping, ttl, code) -> Order:
    shipping_vnd = shipping_fee(group.cooperative, group.weight_g)
    order = Order(
        code=code,
        checkout=checkout,
        buyer_id=buyer.id,
        cooperative_id=group.cooperative.id,
        status=OrderStatus.PENDING_PAYMENT if gateway.pays_first else OrderStatus.AWAITING_CONFIRMATION,
        payment_method=gateway.id,
        subtotal_vnd=group.subtotal_vnd,
        shipping_vnd=shipping_vnd,
        total_vnd=group.subtotal_vnd + shipping_vnd,
        paid_vnd=0,
        ship_name=shipping.name,
        ship_phone=shipping.phone,
        ship_address=shipping.address,
        ship_commune_code=shipping.commune_code,
        note=shipping.note,
        expires_at=utcnow() + ttl if gateway.expires_unpaid else None,
    )
    order.lines = [
        OrderLine(
            product_id=line.product.id,
            variant_id=line.variant.id if line.variant else None,
            variant_name=line.variant_label,
            product_name=line.product.name,
            unit=line.product.unit,
            unit_price_vnd=line.unit_price_vnd,
            quantity=line.quantity,
            weight_g=line.weight_g,
        )
        for line in group.lines
    ]
    gateway.placed(order, group.cooperative)
    return order


def start_payments(checkout: Checkout) -> None:
    """Let the gateway prepare each order that waits for money (a Stripe PaymentIntent, a MoMo payment request)."""
    for order in checkout.orders:
        if order.status == OrderStatus.PENDING_PAYMENT:
            get_gateway(order.payment_method).start(order)
    db.session.flush()


def checkout(
    buyer: User,
    items: Iterable[tuple[object, ...]],
    payment_method: str,
    shipping: Mapping[str, object],
    key: str = "",
    *,
    from_cart: bool = False,
    negotiated_prices: Mapping[int, int] | None = None,
) -> Checkout:
    """The checkout use case: place the orders (stock, history, notices), then start their payments.

    `items` are (product id, quantity[, variant id]) rows and `shipping` the delivery fields as typed (name, phone, address,
    commune, province, note); both are checked here. A repeated `key` returns the first checkout and places nothing
    (so a double-clicked form finds its first checkout even though the first click emptied the cart).
    A gateway that calls its provider starts only after the checkout committed, so the orders exist whatever the
    provider answers (else PaymentNotStarted). The caller renders the result, then commits: nothing is reloaded.
    """
    cleaned = clean_shipping(
        str(shipping.get("name") or ""),
        str(shipping.get("phone") or ""),
        str(shipping.get("address") or ""),
        shipping.get("commune"),
        shipping.get("province"),
        str(shipping.get("note") or ""),
    )
    placed, created = place_checkout(buyer, items, payment_method, cleaned, key, negotiated_prices)
    if created and from_cart:
        remove_products(buyer, [line.product_id for order in placed.orders for line in order.lines])
    if not get_gateway(placed.payment_method).starts_remotely:
        start_payments(placed)
        return placed
    db.session.commit()  # a provider hears of an order only once the order exists
    try:
        start_payments(placed)
    except DomainError as error:
        db.session.rollback()
        raise PaymentNotStarted(placed, error) from error
    return placed


def next_to_pay(placed: Checkout) -> Order | None:
    """The first order of the checkout that still waits for the buyer's money."""
    return next((order for order in placed.orders if order.status == OrderStatus.PENDING_PAYMENT), None)
