"""The cart: guests keep it in the signed session cookie, buyers in `cart_items`; merged at login."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import session
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from catalog.models import Product, ProductStatus
from catalog.queries import is_public
from marketplace.errors import NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Cooperative, User
from marketplace.services import ensure_cooperative_verified

from .models import CartItem

SESSION_KEY = "cart"
MAX_LINES = 50
MAX_QUANTITY = 999
MAX_ID = 2**31 - 1  # ids live in 32-bit columns; a bigger number is simply not a product (not a driver overflow)


@dataclass
class CartLine:
    product: Product
    quantity: int
    negotiated_price_vnd: int | None = None  # set only server-side, for a line from an accepted demand offer

    @property
    def unit_price_vnd(self) -> int:
        return self.product.price_vnd if self.negotiated_price_vnd is None else self.negotiated_price_vnd

    @property
    def amount_vnd(self) -> int:
        return self.unit_price_vnd * self.quantity


@dataclass
class CartGroup:
    """One cooperative's part of the cart: becomes one order at checkout."""

    cooperative: Cooperative
    lines: list[CartLine] = field(default_factory=list)

    @property
    def subtotal_vnd(self) -> int:
        return sum(line.amount_vnd for line in self.lines)

    @property
    def weight_g(self) -> int:
        return sum(line.product.weight_g * line.quantity for line in self.lines)

    @property
    def shipping_vnd(self) -> int:
        return shipping_fee(self.cooperative, self.weight_g)

    @property
    def total_vnd(self) -> int:
        return self.subtotal_vnd + self.shipping_vnd


def shipping_fee(cooperative: Cooperative, weight_g: int) -> int:
    """Flat fee plus the per-kilogram fee for every started kilogram."""
    kilograms = -(-weight_g // 1000)
    return (cooperative.shipping_flat_vnd or 0) + (cooperative.shipping_per_kg_vnd or 0) * kilograms


def read_cart(user: User | None) -> dict[int, int]:
    """{product_id: quantity} for this buyer or guest."""
    if user is not None:
        rows = db.session.execute(select(CartItem.product_id, CartItem.quantity).where(CartItem.user_id == user.id))
        return {pid: qty for pid, qty in rows}
    raw = session.get(SESSION_KEY) or {}
    return {int(pid): int(qty) for pid, qty in raw.items() if str(pid).isdigit() and int(qty) > 0}


def _write(user: User | None, product_id: int, quantity: int) -> None:
    if user is None:
        cart = {str(k): v for k, v in read_cart(None).items()}
        if quantity > 0:
            cart[str(product_id)] = quantity
        else:
            cart.pop(str(product_id), None)
        session[SESSION_KEY] = cart
        return
    row = db.session.scalar(select(CartItem).where(CartItem.user_id == user.id, CartItem.product_id == product_id))
    if quantity <= 0:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(CartItem(user_id=user.id, product_id=product_id, quantity=quantity))
    else:
        row.quantity = quantity
    db.session.flush()


def _published(product_id: int) -> Product:
    product = db.session.get(Product, product_id) if 0 < product_id <= MAX_ID else None
    if product is None or product.status != ProductStatus.PUBLISHED:
        raise NotFound(_("Sản phẩm không còn được bán."))
    ensure_cooperative_verified(
        product.cooperative,
        _("“%(name)s” chưa bán được: người bán chưa được xã xác minh.", name=product.name),
        product_id=product.id,
    )
    return product


def parse_quantity(raw: object, *, allow_zero: bool = False) -> int:
    try:
        quantity = int(str(raw).strip())
    except (TypeError, ValueError):
        quantity = -1
    if quantity < (0 if allow_zero else 1) or quantity > MAX_QUANTITY:
        raise ValidationFailed(
            _("Số lượng phải từ 1 đến %(n)d.", n=MAX_QUANTITY), fields={"quantity": [_("Không hợp lệ.")]}
        )
    return quantity


def add_to_cart(user: User | None, product_id: int, quantity: int) -> int:
    """Add units; the total is bounded by the stock. Returns the quantity now in the cart."""
    product = _published(product_id)
    cart = read_cart(user)
    if product_id not in cart and len(cart) >= MAX_LINES:
        raise ValidationFailed(_("Giỏ hàng đã đủ %(n)d sản phẩm.", n=MAX_LINES))
    if product.stock <= 0:
        raise ValidationFailed(_("“%(name)s” đã hết hàng.", name=product.name), code="out_of_stock")
    wanted = min(cart.get(product_id, 0) + quantity, product.stock, MAX_QUANTITY)
    _write(user, product_id, wanted)
    return wanted


def set_quantity(user: User | None, product_id: int, quantity: int) -> int:
    if not 0 < product_id <= MAX_ID:
        raise NotFound(_("Sản phẩm không còn được bán."))
    if quantity <= 0:
        _write(user, product_id, 0)
        return 0
    product = _published(product_id)
    quantity = min(quantity, product.stock)
    _write(user, product_id, quantity)
    return quantity


def remove_products(user: User | None, product_ids: list[int]) -> None:
    if user is None:
        for product_id in product_ids:
            _write(None, product_id, 0)
        return
    db.session.execute(delete(CartItem).where(CartItem.user_id == user.id, CartItem.product_id.in_(product_ids)))


def merge_guest_cart(user: User) -> None:
    """Login hook: the guest's lines join the buyer's saved cart (larger quantity wins, bounded by stock)."""
    guest = read_cart(None)
    if not guest:
        return
    saved = read_cart(user)
    for product_id, quantity in guest.items():
        product = db.session.get(Product, product_id)
        if product is None or not is_public(product):
            continue
        _write(user, product_id, min(max(quantity, saved.get(product_id, 0)), max(product.stock, 0)))
    session.pop(SESSION_KEY, None)
    db.session.commit()


def cart_groups(items: dict[int, int]) -> tuple[list[CartGroup], list[str]]:
    """Lines grouped by cooperative, quantities bounded by today's stock; plus notes on what changed."""
    if not items:
        return [], []
    products = db.session.scalars(
        select(Product)
        .where(Product.id.in_(items))
        .options(selectinload(Product.cooperative))
        .order_by(Product.cooperative_id, Product.id)
    ).all()
    groups: dict[int, CartGroup] = {}
    notes: list[str] = []
    for product in products:
        quantity = items[product.id]
        if not is_public(product) or product.stock <= 0:
            notes.append(_("“%(name)s” đã hết hàng hoặc ngừng bán.", name=product.name))
            continue
        if quantity > product.stock:
            notes.append(_("“%(name)s” chỉ còn %(n)d.", name=product.name, n=product.stock))
            quantity = product.stock
        group = groups.setdefault(product.cooperative_id, CartGroup(product.cooperative))
        group.lines.append(CartLine(product, quantity))
    return list(groups.values()), notes
