"""Variants (what is bought and labelled), their wholesale price tiers, and the stock moves of orders.

Source of truth: the variant rows hold each pack's price, tiers and stock. Every product has at least one variant;
a product without explicit variants has exactly one, the default, which mirrors the product's price, stock, weight
and GTIN (`mirror_single_variants` copies every ORM write of those fields onto it). The product's `price_vnd` and
`stock` stay as the "from" price and the total stock of its active variants, so search, feeds and labels that read
the product keep working; `summarise()` keeps them in step when a cooperative edits several variants.

Stock moves lock rows in one global order — per product (by id) its variants by id, then the product row — so two
checkouts touching the same products never wait on each other in a cycle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from flask_babel import gettext as _
from sqlalchemy import Integer, String, event, func, insert, inspect, literal, select, true, update
from sqlalchemy.orm import Session

from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.text import clean_text

from .models import DEFAULT_VARIANT_NAME, PriceTier, Product, ProductStatus, ProductVariant
from .validation import MAX_PRICE, MAX_STOCK, gtin_is_valid, parse_int

MIRRORED = ("price_vnd", "stock", "weight_g", "gtin")
MAX_VARIANTS = 20
MAX_TIERS = 5
MAX_ORDER_QUANTITY = 999

LineKey = tuple[int, int]  # (product id, variant id)


# --- the default variant ----------------------------------------------------------------------------


def default_variant_for(product: Product) -> ProductVariant:
    return ProductVariant(
        name=DEFAULT_VARIANT_NAME,
        price_vnd=product.price_vnd,
        stock=product.stock or 0,
        weight_g=product.weight_g or 0,
        gtin=product.gtin,
        position=0,
        active=True,
    )


def _changed(product: Product) -> list[str]:
    """The mirrored fields written on this product since the last flush."""
    state = inspect(product)
    return [name for name in MIRRORED if state.attrs[name].history.has_changes()]


@event.listens_for(Session, "before_flush")
def mirror_single_variants(session: Session, _context, _instances) -> None:
    """A new product gets its default variant; a product with one variant passes the price, stock, weight or
    GTIN written on it to that variant (the product form, the API, Excel import and tests all write them on the
    product). Only the fields written move: a stock the ORM holds from before a reservation is never copied."""
    for obj in list(session.new):
        if isinstance(obj, Product) and not obj.variants:
            obj.variants.append(default_variant_for(obj))
    for obj in list(session.dirty):
        written = _changed(obj) if isinstance(obj, Product) else []
        if written and len(obj.variants) == 1:
            for name in written:
                setattr(obj.variants[0], name, getattr(obj, name) if name != "stock" else obj.stock or 0)


def add_default_variants(product_ids: list[int]) -> None:
    """One INSERT … SELECT giving products written in bulk (Excel import, seeds) their default variant."""
    if not product_ids:
        return
    columns = ("product_id", "name", "price_vnd", "stock", "weight_g", "gtin", "position", "active")
    source = select(
        Product.id,
        literal(DEFAULT_VARIANT_NAME, String),
        Product.price_vnd,
        Product.stock,
        Product.weight_g,
        Product.gtin,
        literal(0, Integer),
        true(),
    ).where(Product.id.in_(product_ids))
    db.session.execute(insert(ProductVariant).from_select(columns, source))


def set_single_variant_stock(product_id: int, stock: int) -> None:
    """A stock written straight to the product row (compare-and-set) reaches its only variant too."""
    only = select(ProductVariant.product_id).group_by(ProductVariant.product_id).having(func.count() == 1)
    db.session.execute(
        update(ProductVariant)
        .where(ProductVariant.product_id == product_id, ProductVariant.product_id.in_(only))
        .values(stock=stock)
        .execution_options(synchronize_session=False)
    )


def summarise(product: Product) -> None:
    """The product's "from" price, total stock, and (with one variant) weight and GTIN, from its active variants."""
    active = product.active_variants or product.variants
    product.price_vnd = min(variant.price_vnd for variant in active)
    product.stock = sum(variant.stock for variant in product.active_variants)
    if len(product.variants) == 1:
        product.weight_g, product.gtin = active[0].weight_g, active[0].gtin


def resolve(product: Product, variant_id: int | None) -> ProductVariant:
    """The variant a buyer named (one of this product's active ones), or the product's first active variant."""
    active = product.active_variants
    if variant_id is None:
        if active:
            return active[0]
    else:
        found = next((variant for variant in active if variant.id == variant_id), None)
        if found is not None:
            return found
    raise ValidationFailed(
        _("Loại hàng đã chọn không còn bán cho “%(name)s”.", name=product.name),
        code="variant_unavailable",
        fields={"variant_id": [_("Chọn một loại hàng đang bán.")]},
        product_id=product.id,
        variant_id=variant_id,
    )


def check_minimum(product: Product, quantity: int) -> None:
    """An order takes at least the product's minimum quantity (all its variants together)."""
    if quantity < product.min_order_quantity:
        message = _(
            "“%(name)s”: mua tối thiểu %(n)d %(unit)s.",
            name=product.name,
            n=product.min_order_quantity,
            unit=product.unit,
        )
        raise ValidationFailed(
            message,
            code="below_minimum",
            fields={"quantity": [message]},
            product_id=product.id,
            min_order_quantity=product.min_order_quantity,
        )


# --- editing variants and tiers -----------------------------------------------------------------------


def _parse_tiers(rows: Iterable[Mapping], base_price: int | None, prefix: str, errors: dict) -> list[tuple[int, int]]:
    tiers: list[tuple[int, int]] = []
    for n, row in enumerate(rows):
        if all(str(row.get(key) or "").strip() == "" for key in ("min_quantity", "price_vnd")):
            continue
        quantity = parse_int(row.get("min_quantity"), f"{prefix}tier-{n}-min_quantity", errors, low=2, high=MAX_STOCK)
        price = parse_int(row.get("price_vnd"), f"{prefix}tier-{n}-price_vnd", errors, high=MAX_PRICE)
        if quantity is not None and price is not None:
            tiers.append((quantity, price))
    tiers.sort()
    previous_quantity, previous_price = 1, base_price
    for quantity, price in tiers:
        if quantity == previous_quantity or (previous_price is not None and price >= previous_price):
            errors[f"{prefix}tiers"] = _("Mỗi mức sỉ cần số lượng lớn hơn và giá thấp hơn mức trước.")
            break
        previous_quantity, previous_price = quantity, price
    if len(tiers) > MAX_TIERS:
        errors[f"{prefix}tiers"] = _("Tối đa %(n)d mức giá sỉ.", n=MAX_TIERS)
    return tiers


def parse_variants(rows: Iterable[Mapping]) -> list[dict]:
    """Check the rows a cooperative typed (form or API); every problem is reported at once, by field."""
    errors: dict[str, str] = {}
    parsed: list[dict] = []
    for n, row in enumerate(rows):
        prefix = f"variant-{n}-"
        name = (clean_text(str(row.get("name") or "")) or "")[:80]
        if not name:
            errors[f"{prefix}name"] = _("Nhập tên loại hàng (ví dụ: Túi 200 g).")
        price = parse_int(row.get("price_vnd"), f"{prefix}price_vnd", errors, high=MAX_PRICE)
        stock = parse_int(row.get("stock"), f"{prefix}stock", errors, high=MAX_STOCK)
        weight = parse_int(row.get("weight_g"), f"{prefix}weight_g", errors, high=MAX_STOCK, required=False) or 0
        gtin = str(row.get("gtin") or "").strip().replace(" ", "")
        if gtin and not gtin_is_valid(gtin):
            errors[f"{prefix}gtin"] = _("Mã GTIN không đúng (8, 12, 13 hoặc 14 chữ số, chữ số kiểm tra sai).")
        tiers = _parse_tiers(row.get("price_tiers") or [], price, prefix, errors)
        raw_id = row.get("id")
        parsed.append(
            {
                "id": int(raw_id) if str(raw_id or "").isdigit() else None,
                "name": name,
                "price_vnd": price,
                "stock": stock,
                "weight_g": weight,
                "gtin": gtin.zfill(14) if gtin else None,
                "tiers": tiers,
            }
        )
    if not parsed:
        errors["variants"] = _("Cần ít nhất một loại hàng.")
    if len(parsed) > MAX_VARIANTS:
        errors["variants"] = _("Tối đa %(n)d loại hàng.", n=MAX_VARIANTS)
    names = [row["name"].casefold() for row in parsed if row["name"]]
    if len(names) != len(set(names)):
        errors["variants"] = _("Hai loại hàng trùng tên.")
    if errors:
        raise ValidationFailed(_("Vui lòng kiểm tra lại các loại hàng."), fields={k: [v] for k, v in errors.items()})
    return parsed


def parse_minimum(raw: object) -> int:
    errors: dict[str, str] = {}
    value = parse_int(raw, "min_order_quantity", errors, low=1, high=MAX_ORDER_QUANTITY)
    if errors:
        raise ValidationFailed(_("Số lượng mua tối thiểu không hợp lệ."), fields={k: [v] for k, v in errors.items()})
    return value


def _write_variant(variant: ProductVariant, row: dict, position: int) -> None:
    variant.name, variant.price_vnd, variant.stock = row["name"], row["price_vnd"], row["stock"]
    variant.weight_g, variant.gtin, variant.position, variant.active = row["weight_g"], row["gtin"], position, True
    wanted = dict(row["tiers"])
    variant.tiers = [tier for tier in variant.tiers if tier.min_quantity in wanted]
    for tier in variant.tiers:
        tier.price_vnd = wanted.pop(tier.min_quantity)
    variant.tiers.extend(PriceTier(min_quantity=q, price_vnd=p) for q, p in sorted(wanted.items()))


def _is_sold(variant: ProductVariant) -> bool:
    """Order lines name this variant (orders sit above the catalogue: read through the shared metadata)."""
    lines = db.metadata.tables["order_lines"]
    return db.session.scalar(select(lines.c.id).where(lines.c.variant_id == variant.id).limit(1)) is not None


def save_variants(product: Product, rows: list[dict], min_order_quantity: int | None = None) -> None:
    """Replace the product's variants with these rows (ids keep their variant); a variant left out that orders
    name is only deactivated. Then the product's price and stock are summarised from them."""
    current = {variant.id: variant for variant in product.variants}
    sold = {variant_id for variant_id, variant in current.items() if _is_sold(variant)}
    kept: list[ProductVariant] = []
    for position, row in enumerate(rows):
        variant = current.pop(row["id"], None) if row["id"] else None
        _write_variant(variant := variant or ProductVariant(), row, position)
        kept.append(variant)
    for offset, variant in enumerate(current.values(), start=len(rows)):
        if variant.id in sold:
            variant.active, variant.stock, variant.position = False, 0, offset
            kept.append(variant)
    product.variants = kept
    if min_order_quantity is not None:
        product.min_order_quantity = min_order_quantity
    summarise(product)
    db.session.flush()


# --- stock moves of orders ------------------------------------------------------------------------------


def _by_product(lines: Mapping[LineKey, int]) -> dict[int, list[tuple[int, int]]]:
    grouped: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (product_id, variant_id), quantity in sorted(lines.items()):
        grouped[product_id].append((variant_id, quantity))
    return dict(sorted(grouped.items()))


def _short(product_id: int, variant_id: int) -> Conflict:
    variant = db.session.get(ProductVariant, variant_id)
    db.session.refresh(variant, ["stock"])
    product = variant.product
    label = f"{product.name} — {variant.name}" if len(product.variants) > 1 else product.name
    left = max(variant.stock, 0)
    return Conflict(
        _("“%(name)s” không đủ hàng (còn %(n)d).", name=label, n=left),
        code="insufficient_stock",
        product_id=product_id,
        variant_id=variant_id,
        available=left,
    )


def take_stock(lines: Mapping[LineKey, int], *, published_only: bool = True) -> None:
    """All or nothing: one guarded UPDATE per variant, then one per product (the total); the first short
    variant raises 409 `insufficient_stock` and the caller rolls back."""
    for product_id, variants in _by_product(lines).items():
        for variant_id, quantity in variants:
            taken = db.session.execute(
                update(ProductVariant)
                .where(
                    ProductVariant.id == variant_id,
                    ProductVariant.product_id == product_id,
                    ProductVariant.stock >= quantity,
                )
                .values(stock=ProductVariant.stock - quantity)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:
                raise _short(product_id, variant_id)
        total = sum(quantity for _variant, quantity in variants)
        guards = [Product.id == product_id, Product.stock >= total]
        if published_only:
            guards.append(Product.status == ProductStatus.PUBLISHED)
        moved = db.session.execute(
            update(Product)
            .where(*guards)
            .values(stock=Product.stock - total)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:
            raise _short(product_id, variants[0][0])


def give_back_stock(lines: Mapping[LineKey, int]) -> None:
    """Put units back on their variants and products, rows in the same order as `take_stock`."""
    for product_id, variants in _by_product(lines).items():
        for variant_id, quantity in variants:
            db.session.execute(
                update(ProductVariant)
                .where(ProductVariant.id == variant_id)
                .values(stock=ProductVariant.stock + quantity)
                .execution_options(synchronize_session=False)
            )
        total = sum(quantity for _variant, quantity in variants)
        db.session.execute(
            update(Product)
            .where(Product.id == product_id)
            .values(stock=Product.stock + total)
            .execution_options(synchronize_session=False)
        )


def default_variant_ids(product_ids: Iterable[int]) -> dict[int, int]:
    """{product id: its first variant's id}: for order lines written before variants existed."""
    ids = set(product_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(ProductVariant.product_id, func.min(ProductVariant.id))
        .where(ProductVariant.product_id.in_(ids))
        .group_by(ProductVariant.product_id)
    )
    return dict(rows.tuples().all())
