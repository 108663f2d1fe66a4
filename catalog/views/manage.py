"""Cooperative pages: product list, create and edit (with photos), submit, archive, Excel in and out."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from functools import cache

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.orm import aliased

from catalog import services
from catalog.images import read_upload
from catalog.models import (
    Category,
    OcopCertificate,
    Product,
    ProductImage,
    ProductRevision,
    ProductStatus,
    ProductStatusChange,
    RevisionStatus,
)
from catalog.queries import get_managed_product, products_managed_as
from catalog.tiles import TilePhoto
from catalog.validation import UNITS
from marketplace.database import read_plain
from marketplace.errors import DomainError, NotFound
from marketplace.extensions import db
from marketplace.models import Cooperative, Role
from marketplace.permissions import require_roles
from marketplace.services import unverified_message
from marketplace.text import today_vn

from .blueprint import bp

PER_PAGE = 20
# what a tile of the cooperative's product list reads: a few columns, the certificate's, the first photo's and whether
# a revision waits (built once: the list runs one statement per page)
_photo = aliased(ProductImage)
FIRST_IMAGE = (
    select(_photo.id)
    .where(_photo.product_id == Product.id)
    .order_by(_photo.position)
    .limit(1)
    .correlate(Product)
    .scalar_subquery()
)
HAS_PENDING_REVISION = (
    select(ProductRevision.id)
    .where(ProductRevision.product_id == Product.id, ProductRevision.status == RevisionStatus.PENDING)
    .exists()
)
LIST_COLUMNS = (
    Product.id,
    Product.name,
    Product.price_vnd,
    Product.unit,
    Product.status,
    Product.stock,
    OcopCertificate.stars,
    OcopCertificate.issued_on,
    OcopCertificate.expires_on,
    ProductImage.id.label("photo_id"),
    ProductImage.stem,
    ProductImage.width,
    ProductImage.height,
    ProductImage.variants_ready,
    HAS_PENDING_REVISION.label("pending"),
)
FORM_FIELDS = (
    "name",
    "description",
    "category",
    "unit",
    "price_vnd",
    "stock",
    "weight_g",
    "shelf_life_days",
    "gtin",
    "ocop_stars",
    "certificate_no",
    "certificate_level",
    "certificate_issued_on",
    "certificate_expires_on",
)


def _categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.parent_id.nulls_first(), Category.position)))


def _form_values(product: Product | None) -> dict:
    if product is None:
        return {"unit": "kg", "certificate_level": "tinh"}
    values = {
        "name": product.name,
        "description": product.description,
        "category": str(product.category_id or ""),
        "unit": product.unit,
        "price_vnd": product.price_vnd,
        "stock": product.stock,
        "stock_seen": product.stock,
        "weight_g": product.weight_g,
        "shelf_life_days": product.shelf_life_days or "",
        "gtin": product.gtin or "",
    }
    revision = product.pending_revision
    for key in ("name", "description", "gtin"):
        if revision and key in revision.changes:
            values[key] = revision.changes[key]
    if revision and "category_id" in revision.changes:
        values["category"] = str(revision.changes["category_id"] or "")
    certificate = (
        revision.changes["certificate"]
        if revision and "certificate" in revision.changes
        else services.certificate_data(product)
    )
    if certificate:
        values.update(
            ocop_stars=certificate["stars"],
            certificate_no=certificate["certificate_no"],
            certificate_level=certificate["level"],
            certificate_issued_on=certificate["issued_on"],
            certificate_expires_on=certificate["expires_on"],
        )
    return values


def _render_form(product: Product | None, values: dict, errors: dict | None = None, status: int = 200):
    history = []
    if product is not None:
        history = db.session.scalars(
            select(ProductStatusChange)
            .where(ProductStatusChange.product_id == product.id)
            .order_by(ProductStatusChange.id.desc())
        ).all()
    return (
        render_template(
            "catalog/product_form.html",
            product=product,
            values=values,
            errors=errors or {},
            categories=_categories(),
            units=UNITS,
            history=history,
            token=secrets.token_urlsafe(24),
            status_label=services.status_label,
            certificate_state=services.certificate_state(product) if product else None,
        ),
        status,
    )


def _upload_photos(product: Product) -> int:
    files = [f for f in request.files.getlist("photos") if f and f.filename]
    for storage in files:
        services.add_image(current_user, product, read_upload(storage.stream))
    return len(files)


@dataclass(frozen=True)
class ListedProduct:
    """A tile of the cooperative's product list, read as a plain row."""

    id: int
    name: str
    price_vnd: int
    unit: str
    status: ProductStatus
    stock: int
    stars: int | None
    certificate: str | None  # services.certificate_state: 'valid', 'expiring', 'expired' or None
    photo: TilePhoto | None
    pending: bool  # a revision waits for the commune's review


def _listed(row: Row, today: date) -> ListedProduct:
    has_certificate = row.expires_on is not None
    return ListedProduct(
        row.id,
        row.name,
        row.price_vnd,
        row.unit,
        row.status,
        row.stock,
        row.stars,
        services.validity_state(row.issued_on, row.expires_on, today) if has_certificate else None,
        TilePhoto(row.id, row.photo_id, row.stem, row.width, row.height, row.variants_ready)
        if row.stem is not None
        else None,
        bool(row.pending),
    )


def _managed(role: Role, by_status: bool) -> Select[tuple[Product]]:
    """The products the list covers, with the cooperative and the status as bind parameters."""
    query = products_managed_as(role, bindparam("cooperative_id"))
    return query.where(Product.status == bindparam("status")) if by_status else query


@cache
def _list_statement(role: Role, by_status: bool) -> Select:
    """The list's page of plain columns with the total riding along as a window count, built once per role and
    filter (building it cost more than running it); values come as parameters."""
    return (
        _managed(role, by_status)
        .with_only_columns(*LIST_COLUMNS, func.count().over().label("total"))
        .outerjoin(OcopCertificate, OcopCertificate.product_id == Product.id)
        .outerjoin(ProductImage, ProductImage.id == FIRST_IMAGE)
        .order_by(Product.updated_at.desc(), Product.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def _listed_products(status: str | None, page: int) -> tuple[list[ListedProduct], int]:
    """One page of the list and the number of pages, in one statement (counted apart only past the last page)."""
    role, by_status = current_user.role, status is not None
    params = {"cooperative_id": current_user.cooperative_id, "status": status}
    statement = _list_statement(role, by_status)
    rows = read_plain(statement, {**params, "limit": PER_PAGE, "offset": (page - 1) * PER_PAGE}).all()
    if rows:
        total = rows[0].total
    elif page > 1:
        total = db.session.scalar(_managed(role, by_status).with_only_columns(func.count(Product.id)), params)
    else:
        total = 0
    today = today_vn()
    return [_listed(row, today) for row in rows], max(1, -(-(total or 0) // PER_PAGE))


def _unverified_seller() -> bool:
    """The signed-in member's cooperative is not verified yet (admin has none: nothing to say)."""
    if current_user.cooperative_id is None:
        return False
    verified = db.session.scalar(select(Cooperative.verified).where(Cooperative.id == current_user.cooperative_id))
    return verified is not None and not verified


@bp.get("/cooperative/products")
@require_roles(Role.COOPERATIVE, Role.ADMIN)
def my_products():
    page = max(1, request.args.get("page", 1, type=int))
    status = request.args.get("status")
    if status not in {s.value for s in ProductStatus}:
        status = None
    rows, pages = _listed_products(status, page)
    return render_template(
        "catalog/my_products.html",
        rows=rows,
        page=page,
        pages=pages,
        status=status,
        labels=services.status_labels(),
        unverified=_unverified_seller(),
    )


def _wants_submit(product) -> bool:
    """ "Save and submit": an unverified seller's draft is saved all the same, with a word on why it stays a draft."""
    if request.form.get("action") != "submit":
        return False
    if not product.cooperative.verified:
        flash(unverified_message(), "info")
        return False
    return True


@bp.route("/cooperative/products/new", methods=["GET", "POST"])
@require_roles(Role.COOPERATIVE)
def new_product():
    if request.method == "GET":
        return _render_form(None, _form_values(None))
    values = {k: request.form.get(k, "") for k in FORM_FIELDS}
    token = request.form.get("client_token") or None
    replay = services.product_for_token(current_user, token)
    if replay is not None:
        flash(_("Sản phẩm này đã được lưu trước đó."), "info")
        return redirect(url_for("catalog.edit_product", product_id=replay.id, saved=1))
    try:
        product = services.create_product(current_user, current_user.cooperative, values, client_token=token)
        _upload_photos(product)
        if _wants_submit(product):
            services.submit_product(current_user, product)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_form(None, values, error.extra.get("fields"), error.status)
    db.session.commit()
    flash(_("Đã lưu sản phẩm “%(name)s”.", name=product.name), "success")
    return redirect(url_for("catalog.edit_product", product_id=product.id, saved=1))


@bp.route("/cooperative/products/<int:product_id>", methods=["GET", "POST"])
@require_roles(Role.COOPERATIVE, Role.ADMIN)
def edit_product(product_id: int):
    product = get_managed_product(current_user, product_id)
    if request.method == "GET":
        return _render_form(product, _form_values(product))
    values = {k: request.form.get(k, "") for k in FORM_FIELDS}
    seen = request.form.get("stock_seen", type=int)
    values["stock_seen"] = seen
    try:
        revision = services.update_product(current_user, product, values, expected_stock=seen)
        uploaded = _upload_photos(product)
        if _wants_submit(product) and product.status in (ProductStatus.DRAFT, ProductStatus.REJECTED):
            services.submit_product(current_user, product)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        if "current_stock" in error.extra:  # asked again over the stock as it is now
            values["stock_seen"] = error.extra["current_stock"]
        return _render_form(product, values, error.extra.get("fields"), error.status)
    db.session.commit()
    if revision is not None or (uploaded and product.status == ProductStatus.PUBLISHED):
        flash(_("Đã gửi phần chỉnh sửa cho xã duyệt; bản đang bán vẫn hiển thị."), "info")
    else:
        flash(_("Đã lưu."), "success")
    return redirect(url_for("catalog.edit_product", product_id=product.id, saved=1))


@bp.post("/cooperative/products/<int:product_id>/photos")
@require_roles(Role.COOPERATIVE)
def upload_photos(product_id: int):
    product = get_managed_product(current_user, product_id)
    try:
        count = _upload_photos(product)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_form(product, _form_values(product), error.extra.get("fields"), error.status)
    db.session.commit()
    flash(_("Đã thêm %(n)d ảnh.", n=count), "success")
    return redirect(url_for("catalog.edit_product", product_id=product.id))


@bp.post("/cooperative/products/<int:product_id>/photos/<int:image_id>/delete")
@require_roles(Role.COOPERATIVE)
def delete_photo(product_id: int, image_id: int):
    product = get_managed_product(current_user, product_id)
    image = db.session.get(ProductImage, image_id)
    if image is None or image.product_id != product.id:
        raise NotFound(_("Không tìm thấy ảnh."))
    services.remove_image(current_user, image)
    db.session.commit()
    flash(_("Đã bỏ ảnh."), "success")
    return redirect(url_for("catalog.edit_product", product_id=product.id))


ACTIONS = {
    "submit": (services.submit_product, _l("Đã gửi sản phẩm cho xã duyệt.")),
    "withdraw": (services.withdraw_product, _l("Đã rút lại, sản phẩm trở về bản nháp.")),
    "archive": (services.archive_product, _l("Đã lưu trữ sản phẩm; người mua không còn thấy nó.")),
    "restore": (services.restore_product, _l("Đã khôi phục sản phẩm thành bản nháp.")),
}


@bp.post("/cooperative/products/<int:product_id>/<any(submit, withdraw, archive, restore):action>")
@require_roles(Role.COOPERATIVE)
def product_action(product_id: int, action: str):
    product = get_managed_product(current_user, product_id)
    service, message = ACTIONS[action]
    try:
        service(current_user, product)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("catalog.edit_product", product_id=product_id)), 303
    db.session.commit()
    flash(str(message), "success")
    return redirect(url_for("catalog.edit_product", product_id=product_id, saved=1))


VARIANT_FIELDS = ("id", "name", "price_vnd", "stock", "weight_g", "gtin")
BLANK_VARIANT_ROWS = 2
TIER_ROWS = 3


def _variant_rows_from_form() -> list[dict]:
    """The rows of the variants form (`variant-<n>-<field>`, tiers `variant-<n>-tier-<m>-<field>`); a row left
    blank or ticked for removal is dropped."""
    rows = []
    n = 0
    while f"variant-{n}-name" in request.form:
        prefix = f"variant-{n}-"
        row = {field: request.form.get(prefix + field, "") for field in VARIANT_FIELDS}
        row["price_tiers"] = [
            {key: request.form.get(f"{prefix}tier-{m}-{key}", "") for key in ("min_quantity", "price_vnd")}
            for m in range(TIER_ROWS)
        ]
        typed = any(str(row[field]).strip() for field in ("name", "price_vnd", "stock"))
        if typed and not request.form.get(prefix + "remove"):
            rows.append(row)
        n += 1
    return rows


def _variant_rows_of(product: Product) -> list[dict]:
    rows = [
        {
            "id": variant.id,
            "name": variant.name,
            "price_vnd": variant.price_vnd,
            "stock": variant.stock,
            "weight_g": variant.weight_g,
            "gtin": variant.gtin or "",
            "price_tiers": [{"min_quantity": t.min_quantity, "price_vnd": t.price_vnd} for t in variant.tiers],
        }
        for variant in product.active_variants
    ]
    return rows


def _render_variants(product: Product, rows: list[dict], minimum, errors: dict | None = None, status: int = 200):
    blank = {"id": "", "name": "", "price_vnd": "", "stock": "", "weight_g": "", "gtin": "", "price_tiers": []}
    padded = [*rows, *[dict(blank) for _ in range(BLANK_VARIANT_ROWS)]]
    for row in padded:
        row["price_tiers"] = [*row["price_tiers"], *[{"min_quantity": "", "price_vnd": ""}] * TIER_ROWS][:TIER_ROWS]
    page = render_template(
        "catalog/product_variants.html", product=product, rows=padded, minimum=minimum, errors=errors or {}
    )
    return page, status


@bp.route("/cooperative/products/<int:product_id>/variants", methods=["GET", "POST"])
@require_roles(Role.COOPERATIVE, Role.ADMIN)
def product_variants(product_id: int):
    """Variants (packs, grades) with their wholesale tiers, and the minimum order quantity: a form of a few rows."""
    product = get_managed_product(current_user, product_id)
    if request.method == "GET":
        return _render_variants(product, _variant_rows_of(product), product.min_order_quantity)
    rows, minimum = _variant_rows_from_form(), request.form.get("min_order_quantity", "")
    try:
        services.set_variants(current_user, product, rows, minimum)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_variants(product, rows, minimum, error.extra.get("fields"), error.status)
    db.session.commit()
    flash(_("Đã lưu các loại hàng."), "success")
    return redirect(url_for("catalog.product_variants", product_id=product.id))
