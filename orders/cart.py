"""The cart: guests keep it in the signed session cookie, buyers in `cart_items`; merged at login."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from flask import session
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, bindparam, delete, func, select
from sqlalchemy.orm import selectinload

from catalog import variants
from catalog.models import Product, ProductStatus, ProductVariant
from catalog.queries import is_public
from marketplace.database import read_plain
from marketplace.errors import NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Cooperative, User
from marketplace.services import ensure_cooperative_verified
from marketplace.text import today_vn

from .models import CartItem

SESSION_KEY = "cart"
VARIANTS_KEY = "cart_variants"  # a guest's chosen variant per product ({product id: variant id})
MAX_LINES = 50
MAX_QUANTITY = 999
MAX_ID = 2**31 - 1  # ids live in 32-bit columns; a bigger number is simply not a product (not a driver overflow)


@dataclass
class CartLine:
    """Units of one product; with a variant, its tier price for the quantity and its weight."""

    product: Product
    quantity: int
    variant: ProductVariant | None = None
    negotiated_price_vnd: int | None = None  # set only server-side, for a line from an accepted demand offer

    @property
    def unit_price_vnd(self) -> int:
        if self.negotiated_price_vnd is not None:
            return self.negotiated_price_vnd
        return self.variant.price_for(self.quantity) if self.variant else self.product.price_vnd

    @property
    def weight_g(self) -> int:
        return self.variant.weight_g if self.variant else self.product.weight_g

    @property
    def variant_label(self) -> str | None:
        """The variant's name when the buyer had a choice to make."""
        return self.variant.name if self.variant and len(self.product.variants) > 1 else None

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
        return sum(line.weight_g * line.quantity for line in self.lines)

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
        return _saved_cart(user)[0]
    raw = session.get(SESSION_KEY) or {}
    return {int(pid): int(qty) for pid, qty in raw.items() if str(pid).isdigit() and int(qty) > 0}


@cache
def _saved_cart_statement() -> Select[tuple[int, int, int | None]]:
    return select(CartItem.product_id, CartItem.quantity, CartItem.variant_id).where(
        CartItem.user_id == bindparam("user_id")
    )


def _saved_cart(user: User) -> tuple[dict[int, int], dict[int, int]]:
    """A buyer's saved cart in one statement: {product_id: quantity} and {product_id: chosen variant id}."""
    rows = read_plain(_saved_cart_statement(), {"user_id": user.id}).all()
    return {row[0]: row[1] for row in rows}, {row[0]: row[2] for row in rows if row[2] is not None}


def read_variants(user: User | None) -> dict[int, int]:
    """{product_id: chosen variant id} for the cart's products where the buyer picked one."""
    if user is not None:
        return _saved_cart(user)[1]
    raw = session.get(VARIANTS_KEY) or {}
    return {int(pid): int(vid) for pid, vid in raw.items() if str(pid).isdigit() and str(vid).isdigit()}


def _write_variant(user: User | None, product_id: int, variant_id: int | None) -> None:
    if user is None:
        chosen = {str(k): v for k, v in read_variants(None).items() if k != product_id}
        if variant_id is not None:
            chosen[str(product_id)] = variant_id
        session[VARIANTS_KEY] = chosen
        return
    row = db.session.scalar(select(CartItem).where(CartItem.user_id == user.id, CartItem.product_id == product_id))
    if row is not None:
        row.variant_id = variant_id
        db.session.flush()


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


def add_to_cart(user: User | None, product_id: int, quantity: int, variant_id: int | None = None) -> int:
    """Add units of one variant (the product's first without a choice); the cart holds one variant per product,
    so picking another replaces it. The total is bounded by that variant's stock. Returns the quantity now in
    the cart."""
    product = _published(product_id)
    variant = variants.resolve(product, variant_id)
    cart = read_cart(user)
    if product_id not in cart and len(cart) >= MAX_LINES:
        raise ValidationFailed(_("Giỏ hàng đã đủ %(n)d sản phẩm.", n=MAX_LINES))
    if variant.stock <= 0:
        raise ValidationFailed(_("“%(name)s” đã hết hàng.", name=product.name), code="out_of_stock")
    same = read_variants(user).get(product_id, variant.id) == variant.id
    already = cart.get(product_id, 0) if same else 0
    wanted = min(already + max(quantity, product.min_order_quantity - already), variant.stock, MAX_QUANTITY)
    _write(user, product_id, wanted)
    _write_variant(user, product_id, variant.id if product.has_choices else None)
    return wanted


def set_quantity(user: User | None, product_id: int, quantity: int) -> int:
    if not 0 < product_id <= MAX_ID:
        raise NotFound(_("Sản phẩm không còn được bán."))
    if quantity <= 0:
        _write(user, product_id, 0)
        return 0
    product = _published(product_id)
    chosen = read_variants(user).get(product_id)
    variant = next((v for v in product.active_variants if v.id == chosen), None) or product.active_variants[0]
    quantity = min(quantity, variant.stock)
    _write(user, product_id, quantity)
    return quantity


def remove_products(user: User | None, product_ids: list[int]) -> None:
    if user is None:
        for product_id in product_ids:
            _write(None, product_id, 0)
            _write_variant(None, product_id, None)
        return
    db.session.execute(delete(CartItem).where(CartItem.user_id == user.id, CartItem.product_id.in_(product_ids)))


def merge_guest_cart(user: User) -> None:
    """Login hook: the guest's lines join the buyer's saved cart (larger quantity wins, bounded by stock; the
    guest's variant choice wins)."""
    guest = read_cart(None)
    if not guest:
        return
    saved = read_cart(user)
    chosen = read_variants(None)
    for product_id, quantity in guest.items():
        product = db.session.get(Product, product_id)
        if product is None or not is_public(product):
            continue
        _write(user, product_id, min(max(quantity, saved.get(product_id, 0)), max(product.stock, 0)))
        if product_id in chosen:
            _write_variant(user, product_id, chosen[product_id])
    session.pop(SESSION_KEY, None)
    session.pop(VARIANTS_KEY, None)
    db.session.commit()


DELIVERY_DAYS = (2, 5)  # after the cooperative confirms: in-province parcels arrive first, remote communes last


@dataclass(frozen=True)
class ShippingQuote:
    """What a product page says before checkout: the fee checkout will charge for this quantity, and when."""

    fee_vnd: int
    earliest: date
    latest: date


def shipping_quote(product: Product, quantity: int = 1) -> ShippingQuote:
    """The cooperative's fee for `quantity` of the product alone (the cart adds weights per cooperative)."""
    today = today_vn()
    return ShippingQuote(
        fee_vnd=shipping_fee(product.cooperative, (product.weight_g or 0) * quantity),
        earliest=today + timedelta(days=DELIVERY_DAYS[0]),
        latest=today + timedelta(days=DELIVERY_DAYS[1]),
    )


def item_count(user: User | None) -> int:
    """Units in the cart, for the header badge (one small query for a buyer, none for a guest)."""
    if user is None:
        return sum(read_cart(None).values())
    return int(read_plain(_units_in_cart(), {"user_id": user.id}).scalar() or 0)


@cache
def _units_in_cart() -> Select[tuple[int]]:
    """Built once: building a statement costs more than running this one."""
    return select(func.coalesce(func.sum(CartItem.quantity), 0)).where(CartItem.user_id == bindparam("user_id"))


def header_count() -> int:
    """`cart_count()` in templates: the current visitor's units in the cart."""
    return item_count(current_user if current_user.is_authenticated else None)


def _line_variant(product: Product, chosen: int | None) -> ProductVariant | None:
    """The variant the buyer picked if still on sale, else the product's first active one."""
    active = product.active_variants
    return next((v for v in active if v.id == chosen), None) or (active[0] if active else None)


def cart_groups(items: dict[int, int], chosen: dict[int, int] | None = None) -> tuple[list[CartGroup], list[str]]:
    """Lines grouped by cooperative, each with its variant (the one chosen, else the first), quantities bounded by
    that variant's stock; plus notes on what changed."""
    if not items:
        return [], []
    chosen = chosen or {}
    products = db.session.scalars(
        select(Product)
        .where(Product.id.in_(items))
        .options(selectinload(Product.cooperative), selectinload(Product.variants).selectinload(ProductVariant.tiers))
        .order_by(Product.cooperative_id, Product.id)
    ).all()
    groups: dict[int, CartGroup] = {}
    notes: list[str] = []
    for product in products:
        quantity = items[product.id]
        variant = _line_variant(product, chosen.get(product.id))
        if not is_public(product) or variant is None or variant.stock <= 0:
            notes.append(_("“%(name)s” đã hết hàng hoặc ngừng bán.", name=product.name))
            continue
        if quantity > variant.stock:
            notes.append(_("“%(name)s” chỉ còn %(n)d.", name=product.name, n=variant.stock))
            quantity = variant.stock
        group = groups.setdefault(product.cooperative_id, CartGroup(product.cooperative))
        group.lines.append(CartLine(product, quantity, variant))
    return list(groups.values()), notes


def cart_of(user: User | None) -> tuple[list[CartGroup], list[str]]:
    """The cart of this buyer or guest, grouped (see `cart_groups`)."""
    if user is not None:
        return cart_groups(*_saved_cart(user))
    return cart_groups(read_cart(None), read_variants(None))
