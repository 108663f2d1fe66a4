"""Every catalog rule and state change: the status workflow, revisions, photos, certificates, stock.

Status moves live in ALLOWED and go through `transition()`, which writes the history row and the audit entry.
Whatever buyers would see differently is announced once per call through `catalog.signals` (the search index,
channel listings, feeds and webhooks listen). Services flush; the request or task commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.database import after_commit
from marketplace.errors import Conflict, DomainError, Forbidden, ValidationFailed
from marketplace.extensions import db
from marketplace.i18n import labels_in_language
from marketplace.jobs.queue import enqueue_task
from marketplace.models import Cooperative, User
from marketplace.notify.services import tell, tell_staff_waiting
from marketplace.permissions import ensure_member_of, ensure_staff_of_commune
from marketplace.services import (
    active_members,
    ensure_cooperative_verified,
    notify_cooperative,
    record_audit,
    unique_slug,
)
from marketplace.text import clean_text, fold, today_vn, utcnow
from marketplace.urls import public_url

from . import images as photos
from . import signals, variants
from .models import (
    Category,
    CertificationLevel,
    OcopCertificate,
    Product,
    ProductImage,
    ProductRevision,
    ProductStatus,
    ProductStatusChange,
    RevisionStatus,
)
from .search import indexing
from .validation import parse_product

S = ProductStatus
ALLOWED: dict[ProductStatus, frozenset[ProductStatus]] = {
    S.DRAFT: frozenset({S.PENDING_REVIEW, S.ARCHIVED}),
    S.PENDING_REVIEW: frozenset({S.PUBLISHED, S.REJECTED, S.DRAFT}),
    S.PUBLISHED: frozenset({S.ARCHIVED}),
    S.REJECTED: frozenset({S.PENDING_REVIEW, S.DRAFT, S.ARCHIVED}),
    S.ARCHIVED: frozenset({S.DRAFT}),
}
# a live product's GTIN is reviewed too: labels and channel listings carry it, so it must not be swapped silently
REVIEWED_FIELDS = ("name", "description", "category_id", "origin_commune_code", "certificate", "gtin")
IMMEDIATE_FIELDS = ("price_vnd", "stock", "unit", "weight_g", "shelf_life_days")
# what a changed field is called in `signals.product_changed` (everything else is "content")
FIELD_LABELS = {"price_vnd": "price", "stock": "stock", "certificate": "ocop"}
MAX_IMAGES = 8
EXPIRY_WARNING_DAYS = 60
VARIANTS_TASK = "catalog.make_image_variants"


STATUS_LABELS = {
    S.DRAFT: _l("Bản nháp"),
    S.PENDING_REVIEW: _l("Chờ xã duyệt"),
    S.PUBLISHED: _l("Đang bán"),
    S.REJECTED: _l("Bị từ chối"),
    S.ARCHIVED: _l("Đã lưu trữ"),
}


def status_labels() -> dict[ProductStatus, str]:
    """Every status as the cooperative reads it, in the filter's order (a list translates them once)."""
    return labels_in_language(STATUS_LABELS)


def status_label(status: ProductStatus) -> str:
    return str(STATUS_LABELS[ProductStatus(status)])


def can_move(current: ProductStatus, target: ProductStatus) -> bool:
    return target in ALLOWED[current]


def transition(product: Product, target: ProductStatus, actor: User | None, reason: str | None = None) -> None:
    """The one way a product changes status."""
    if not can_move(product.status, target):
        raise Conflict(
            _(
                "Không thể chuyển sản phẩm từ “%(a)s” sang “%(b)s”.",
                a=status_label(product.status),
                b=status_label(target),
            ),
            code="invalid_transition",
        )
    before = product.status
    product.status = target
    product.rejection_reason = reason if target == S.REJECTED else None
    if target == S.PUBLISHED and product.published_at is None:
        product.published_at = utcnow()
    db.session.add(
        ProductStatusChange(
            product_id=product.id,
            from_status=str(before),
            to_status=str(target),
            actor_id=actor.id if actor else None,
            reason=reason,
        )
    )
    record_audit(
        actor,
        f"product.{target}",
        "product",
        product.id,
        commune_code=product.cooperative.commune_code,
        before=str(before),
        reason=reason,
    )
    db.session.flush()
    if target == S.PUBLISHED:
        signals.send(signals.product_published, [product.id])
    elif before == S.PUBLISHED:
        signals.send(signals.product_unpublished, [product.id])


# --- telling the rest of the app ------------------------------------------------------------------


def _announce(product_ids: list[int], changed: set[str]) -> None:
    """Send `stock_changed` and/or `product_changed` for what changed (labels of FIELD_LABELS, "images")."""
    if "stock" in changed:
        signals.send(signals.stock_changed, product_ids)
    if changed - {"stock"}:
        signals.send(signals.product_changed, product_ids, fields=frozenset(changed - {"stock"}))


def seller_status_moved(_sender: object, cooperative_id: int, verified: bool) -> None:
    """`marketplace.signals.seller_status_changed`: a seller's published products come into public view (or leave
    it) as if each were published (or unpublished), so search, feeds, channels and webhooks follow."""
    published = db.session.scalars(
        select(Product.id).where(Product.cooperative_id == cooperative_id, Product.status == S.PUBLISHED)
    )
    signals.send(signals.product_published if verified else signals.product_unpublished, published)


def stock_changed_for(product_ids: Iterable[int]) -> None:
    """Stock of these products was moved outside the catalogue's services (orders: the reservation at checkout,
    the release on cancel or expiry): tell the listeners, as a stock edit here would."""
    signals.send(signals.stock_changed, product_ids)


# --- what the reviewer saw ------------------------------------------------------------------------


def stale_review_message() -> str:
    return _("Sản phẩm đã thay đổi sau khi bạn mở trang duyệt. Hãy tải lại trang, xem nội dung mới rồi duyệt lại.")


def _next_version(product: Product, seen: int | None = None) -> None:
    """Move the product's review version on from `seen` (default: the version this transaction read).

    A compare-and-set (`UPDATE … WHERE version = :seen`): when someone else changed the product in between, or the
    reviewer's page showed an older version, nothing moves and the change is refused with a 409.
    """
    expected = product.version if seen is None else seen
    moved = db.session.execute(
        update(Product.__table__)
        .where(Product.__table__.c.id == product.id, Product.__table__.c.version == expected)
        .values(version=expected + 1)
    )
    if moved.rowcount != 1:
        raise Conflict(stale_review_message(), code="stale_version")
    set_committed_value(product, "version", expected + 1)


def _content_changed(actor: User, product: Product) -> None:
    """What a reviewer sees changed: a new version, and a product waiting for review goes back to draft."""
    _next_version(product)
    if product.status == S.PENDING_REVIEW:
        transition(product, S.DRAFT, actor, _("Sản phẩm được sửa trong lúc chờ duyệt; hãy gửi duyệt lại."))


# --- create and edit ------------------------------------------------------------------------------


def _apply(product: Product, fields: dict) -> set[str]:
    """Write these fields; returns the labels of those whose value really changed."""
    changed = set()
    for key, value in fields.items():
        if key == "certificate":
            if certificate_data(product) != value:
                set_certificate(product, value)
                changed.add("ocop")
        elif getattr(product, key) != value:
            setattr(product, key, value)
            changed.add(FIELD_LABELS.get(key, "content"))
    if "name" in fields:
        product.name_folded = fold(product.name)
    return changed


def set_certificate(product: Product, data: dict | None) -> None:
    """Replace (or remove) the OCOP certificate; `data` is what validation.parse_certificate returns."""
    current = db.session.scalar(select(OcopCertificate).where(OcopCertificate.product_id == product.id))
    if data is None:
        if current is not None:
            db.session.delete(current)
        return
    current = current or OcopCertificate(product_id=product.id)
    current.stars = data["stars"]
    current.certificate_no = data["certificate_no"]
    current.level = CertificationLevel(data["level"])
    current.issued_on = date.fromisoformat(data["issued_on"])
    current.expires_on = date.fromisoformat(data["expires_on"])
    current.expiry_warned_on = None
    db.session.add(current)
    db.session.flush()
    db.session.expire(product, ["certificate"])


def certificate_data(product: Product) -> dict | None:
    c = product.certificate
    if c is None:
        return None
    return {
        "stars": c.stars,
        "certificate_no": c.certificate_no,
        "level": str(c.level),
        "issued_on": c.issued_on.isoformat(),
        "expires_on": c.expires_on.isoformat(),
    }


def current_values(product: Product) -> dict:
    values = {key: getattr(product, key) for key in REVIEWED_FIELDS if key != "certificate"}
    values["certificate"] = certificate_data(product)
    return values


def create_product(actor: User, cooperative: Cooperative, data: dict, client_token: str | None = None) -> Product:
    """A new draft; a repeated submit carrying the same client token returns the first product."""
    ensure_member_of(actor, cooperative.id)
    if client_token:
        existing = db.session.scalar(select(Product).where(Product.client_token == client_token))
        if existing is not None:
            if existing.cooperative_id != cooperative.id:
                raise Conflict(_("Mã gửi biểu mẫu đã được dùng."), code="token_reused")
            return existing
    fields = parse_product(data)
    product = Product(
        cooperative_id=cooperative.id,
        slug=unique_slug(Product, fields["name"]),
        name_folded=fold(fields["name"]),
        status=S.DRAFT,
        client_token=(client_token or None) and client_token[:64],
    )
    certificate = fields.pop("certificate", None)
    for key, value in fields.items():
        setattr(product, key, value)
    db.session.add(product)
    db.session.flush()
    set_certificate(product, certificate)
    record_audit(actor, "product.created", "product", product.id, commune_code=cooperative.commune_code)
    return product


def product_for_token(actor: User, client_token: str | None) -> Product | None:
    """The product an earlier submit with this token created (only the actor's own cooperative's)."""
    if not client_token:
        return None
    product = db.session.scalar(select(Product).where(Product.client_token == client_token[:64]))
    return product if product is not None and product.cooperative_id == actor.cooperative_id else None


def _set_stock(product: Product, stock: int, seen: int) -> set[str]:
    """Write a stock the cooperative typed over the one they saw, only if no sale moved it since (compare-and-set).

    Sending back the stock they saw means "unchanged": nothing is written, so a sale in between is kept.
    """
    if stock == seen:
        return set()
    table = Product.__table__
    moved = db.session.execute(update(table).where(table.c.id == product.id, table.c.stock == seen).values(stock=stock))
    if moved.rowcount != 1:
        current = db.session.scalar(select(table.c.stock).where(table.c.id == product.id))
        message = _(
            "Số lượng còn vừa thay đổi (có thể do đơn hàng mới): hiện còn %(n)d. Hãy kiểm tra lại rồi lưu.",
            n=current or 0,
        )
        raise Conflict(message, code="stock_changed", fields={"stock": [message]}, current_stock=current)
    variants.set_single_variant_stock(product.id, stock)
    set_committed_value(product, "stock", stock)
    return {"stock"}


def _refuse_summary_edits(product: Product, immediate: dict, seen_stock: int | None) -> None:
    """A product sold in several variants takes its price and stock from them: a different one typed is refused
    (the stock the editor saw counts as unchanged)."""
    if not product.has_choices:
        return
    message = _("Sản phẩm có nhiều loại hàng: sửa giá và tồn kho của từng loại.")
    current = {"price_vnd": product.price_vnd, "stock": product.stock if seen_stock is None else seen_stock}
    moved = [key for key in current if key in immediate and immediate[key] != current[key]]
    if moved:
        raise ValidationFailed(message, fields={key: [message] for key in moved})


def update_product(
    actor: User, product: Product, data: dict, expected_stock: int | None = None
) -> ProductRevision | None:
    """Drafts change in place. On a published product price, stock and the like change at once, while
    name, description, category, origin and certificate wait in a revision for the commune's review.

    With `expected_stock` (the stock the editor saw) a stock edit never overwrites a sale made meanwhile."""
    ensure_member_of(actor, product.cooperative_id)
    fields = parse_product(data, partial=True)
    immediate = {k: v for k, v in fields.items() if k in IMMEDIATE_FIELDS}
    reviewed = {k: v for k, v in fields.items() if k in REVIEWED_FIELDS}
    _refuse_summary_edits(product, immediate, expected_stock)
    stock_changed = set()
    if expected_stock is not None and "stock" in immediate:
        stock_changed = _set_stock(product, immediate.pop("stock"), expected_stock)
    changed = _apply(product, immediate) | stock_changed
    if product.status != S.PUBLISHED:
        content = _apply(product, reviewed)
        db.session.flush()
        if content:
            _content_changed(actor, product)
        _announce([product.id], changed | content)
        return None
    published = current_values(product)
    proposed = {k: v for k, v in reviewed.items() if published.get(k) != v}
    revision = None
    if proposed:
        revision = pending_revision_for(actor, product)
        if any(revision.changes.get(k, published.get(k)) != v for k, v in proposed.items()):
            _next_version(product)
        revision.changes = {**revision.changes, **proposed}
        revision.updated_at = utcnow()
    db.session.flush()
    if immediate or stock_changed:
        record_audit(
            actor,
            "product.updated",
            "product",
            product.id,
            commune_code=product.cooperative.commune_code,
            fields=sorted({*immediate, *stock_changed}),
        )
    _announce([product.id], changed)
    return revision


def pending_revision_for(actor: User, product: Product) -> ProductRevision:
    revision = product.pending_revision
    if revision is None:
        revision = ProductRevision(product_id=product.id, changes={}, created_by_id=actor.id)
        db.session.add(revision)
        db.session.flush()
        _tell_staff_waiting(
            product, _("Có chỉnh sửa sản phẩm chờ xã duyệt: “%(name)s”.", name=product.name), key=f"rev:{revision.id}"
        )
        db.session.expire(product, ["revisions"])
        record_audit(
            actor,
            "revision.created",
            "product",
            product.id,
            commune_code=product.cooperative.commune_code,
            revision_id=revision.id,
        )
    return revision


def set_variants(actor: User, product: Product, rows: list, min_order_quantity: object = None) -> None:
    """Replace the product's variants and their wholesale tiers (and its minimum order quantity), checked in
    catalog.variants; the product's "from" price and total stock follow, and the listeners hear of both."""
    ensure_member_of(actor, product.cooperative_id)
    parsed = variants.parse_variants(rows)
    minimum = variants.parse_minimum(min_order_quantity) if min_order_quantity not in (None, "") else None
    before = (product.price_vnd, product.stock)
    variants.save_variants(product, parsed, minimum)
    record_audit(
        actor,
        "product.variants_updated",
        "product",
        product.id,
        commune_code=product.cooperative.commune_code,
        variants=[row["name"] for row in parsed],
    )
    changed = {"content"}
    if before[1] != product.stock:
        changed.add("stock")
    if before[0] != product.price_vnd:
        changed.add("price")
    _announce([product.id], changed)


def set_price_stock(actor: User, product: Product, price_vnd: int | None = None, stock: int | None = None) -> None:
    data = {k: v for k, v in (("price_vnd", price_vnd), ("stock", stock)) if v is not None}
    update_product(actor, product, data)


# --- photos ---------------------------------------------------------------------------------------


def photo_count(product: Product) -> int:
    revision = product.pending_revision
    removed = set(revision.changes.get("remove_image_ids", [])) if revision else set()
    return len([i for i in product.images if i.id not in removed])


def add_image(actor: User, product: Product, data: bytes) -> ProductImage:
    """Check and store one photo; on a published product it waits in the revision until approved."""
    ensure_member_of(actor, product.cooperative_id)
    if product.status == S.ARCHIVED:
        raise Conflict(_("Sản phẩm đã lưu trữ, không thêm ảnh được."))
    _lock_product_row(product.id)
    if photo_count(product) >= MAX_IMAGES:
        raise ValidationFailed(_("Mỗi sản phẩm có tối đa %(n)d ảnh.", n=MAX_IMAGES), code="too_many_images")
    picture = photos.clean_image(data)
    revision = pending_revision_for(actor, product) if product.status == S.PUBLISHED else None
    position = _next_photo_position(product.id)
    stem = photos.new_stem()
    image = ProductImage(
        product_id=product.id,
        position=position,
        stem=stem,
        width=picture.width,
        height=picture.height,
        revision_id=revision.id if revision else None,
    )
    db.session.add(image)
    db.session.flush()
    _content_changed(actor, product)
    photos.save_original(picture, product.id, stem)
    _delete_files_on_rollback(product.id, stem)
    if revision is not None:
        revision.changes = {**revision.changes, "images_added": [*revision.changes.get("images_added", []), image.id]}
    db.session.expire(product, ["images"])
    enqueue_task(VARIANTS_TASK, image.id)
    if revision is None:
        _announce([product.id], {"images"})
    return image


def _lock_product_row(product_id: int) -> None:
    """Serialise photo changes on one product: two uploads at once must not count or number photos alike.

    The row is read again under the lock, so the version the change bumps is the one a concurrent upload left."""
    db.session.scalar(
        select(Product).where(Product.id == product_id).with_for_update().execution_options(populate_existing=True)
    )


def _next_photo_position(product_id: int) -> int:
    highest = db.session.scalar(select(func.max(ProductImage.position)).where(ProductImage.product_id == product_id))
    return (highest or 0) + 1


def _delete_files_on_rollback(product_id: int, stem: str) -> None:
    """A photo written to disk must not outlive a transaction that rolled back."""
    state = {"committed": False}
    after_commit(lambda: state.update(committed=True))

    def _cleanup(_session, _previous) -> None:
        if not state["committed"]:
            photos.delete_files(product_id, stem)

    event.listen(db.session(), "after_soft_rollback", _cleanup, once=True)


def remove_image(actor: User, image: ProductImage) -> None:
    product = image.product
    ensure_member_of(actor, product.cooperative_id)
    if product.status == S.PUBLISHED and image.revision_id is None:
        if len(product.public_images) - len(_pending_removals(product)) <= 1:
            raise ValidationFailed(_("Sản phẩm đang bán cần ít nhất một ảnh."))
        revision = pending_revision_for(actor, product)
        revision.changes = {**revision.changes, "remove_image_ids": sorted({*_pending_removals(product), image.id})}
        _next_version(product)
        return
    stem, product_id, was_public = image.stem, product.id, image.revision_id is None
    db.session.delete(image)
    db.session.flush()
    _content_changed(actor, product)
    db.session.expire(product, ["images"])
    after_commit(lambda: photos.delete_files(product_id, stem))
    if was_public:
        _announce([product_id], {"images"})


def _pending_removals(product: Product) -> list[int]:
    revision = product.pending_revision
    return list(revision.changes.get("remove_image_ids", [])) if revision else []


# --- review workflow ------------------------------------------------------------------------------


def _notify(product: Product, message: str, subject: str) -> None:
    """A review decision: every member of the seller hears it in the app and on their channel."""
    link = public_url("catalog.edit_product", product_id=product.id)
    key = f"{product.id}:{product.version}:{product.status}"
    for member in active_members(product.cooperative_id):
        tell(member, "product_review", message, link, key=key, subject=subject)


def waiting_reviews(commune_code: int) -> tuple[str, int]:
    """How many new products and revisions wait for a commune's review (the staff's daily digest)."""
    products = select(func.count()).select_from(Product).join(Cooperative, Cooperative.id == Product.cooperative_id)
    products = products.where(Product.status == S.PENDING_REVIEW, Cooperative.commune_code == commune_code)
    revisions = (
        select(func.count())
        .select_from(ProductRevision)
        .join(Product, Product.id == ProductRevision.product_id)
        .join(Cooperative, Cooperative.id == Product.cooperative_id)
        .where(ProductRevision.status == RevisionStatus.PENDING, Cooperative.commune_code == commune_code)
    )
    return _("sản phẩm chờ duyệt"), (db.session.scalar(products) or 0) + (db.session.scalar(revisions) or 0)


def _tell_staff_waiting(product: Product, text: str, key: str) -> None:
    """A product or an edit entered the commune's review queue: its staff see a notice each time, and hear it on
    their channel when the queue was empty (later ones go in the daily digest)."""
    db.session.flush()
    commune_code = product.cooperative.commune_code
    first = waiting_reviews(commune_code)[1] == 1
    event = "review.first" if first else "review.waiting"
    tell_staff_waiting(commune_code, event, text, public_url("moderation.queue"), key=key, first=first)


def submit_product(actor: User, product: Product) -> None:
    ensure_member_of(actor, product.cooperative_id)
    if not product.images:
        raise ValidationFailed(_("Cần ít nhất một ảnh sản phẩm trước khi gửi duyệt."), code="photo_required")
    if product.category_id is None:
        raise ValidationFailed(_("Hãy chọn danh mục trước khi gửi duyệt."), code="category_required")
    ensure_cooperative_verified(product.cooperative)
    transition(product, S.PENDING_REVIEW, actor)
    _tell_staff_waiting(
        product,
        _("Có sản phẩm mới chờ xã duyệt: “%(name)s”.", name=product.name),
        key=f"{product.id}:{product.version}",
    )


def withdraw_product(actor: User, product: Product) -> None:
    ensure_member_of(actor, product.cooperative_id)
    transition(product, S.DRAFT, actor)


def archive_product(actor: User, product: Product) -> None:
    ensure_member_of(actor, product.cooperative_id)
    transition(product, S.ARCHIVED, actor)
    revision = product.pending_revision
    if revision is not None:
        revision.status = RevisionStatus.WITHDRAWN


def restore_product(actor: User, product: Product) -> None:
    ensure_member_of(actor, product.cooperative_id)
    transition(product, S.DRAFT, actor)


def _reason(reason: str | None) -> str:
    text = clean_text(reason) or ""
    if len(text) < 5:
        raise ValidationFailed(_("Hãy ghi lý do từ chối (ít nhất 5 ký tự)."), code="reason_required")
    return text[:1000]


def approve_product(actor: User, product: Product, version: int | None = None) -> None:
    """Publish the product as the reviewer saw it: `version` (when given) must still be the current one (else 409)."""
    ensure_staff_of_commune(actor, product.cooperative.commune_code)
    ensure_cooperative_verified(
        product.cooperative, _("Hãy xác minh hợp tác xã trước khi duyệt sản phẩm của nó: người bán chưa được xác minh.")
    )
    _next_version(product, version)
    transition(product, S.PUBLISHED, actor)
    _notify(
        product, _("Sản phẩm “%(name)s” đã được xã duyệt và đang bán.", name=product.name), _("Sản phẩm đã được duyệt")
    )


def reject_product(actor: User, product: Product, reason: str | None) -> None:
    ensure_staff_of_commune(actor, product.cooperative.commune_code)
    text = _reason(reason)
    transition(product, S.REJECTED, actor, text)
    _notify(
        product,
        _("Sản phẩm “%(name)s” chưa được duyệt. Lý do: %(reason)s", name=product.name, reason=text),
        _("Sản phẩm chưa được duyệt"),
    )


def _decide_revision(actor: User, revision: ProductRevision) -> Product:
    product = revision.product
    ensure_staff_of_commune(actor, product.cooperative.commune_code)
    if revision.status != RevisionStatus.PENDING:
        raise Conflict(_("Bản chỉnh sửa này đã được xử lý."), code="revision_decided")
    revision.decided_by_id, revision.decided_at = actor.id, utcnow()
    return product


def approve_revision(actor: User, revision: ProductRevision, version: int | None = None) -> None:
    """Publish the revised content (fields, added photos, removed photos) as the reviewer saw it: `version`, when
    given, must still be the product's current one (else 409)."""
    product = _decide_revision(actor, revision)
    _next_version(product, version)
    changes = dict(revision.changes)
    changed = _apply(product, {k: v for k, v in changes.items() if k in REVIEWED_FIELDS})
    if changes.get("images_added") or changes.get("remove_image_ids"):
        changed.add("images")
    for image in list(product.images):
        if image.revision_id == revision.id:
            image.revision_id = None
        elif image.id in changes.get("remove_image_ids", []):
            stem, product_id = image.stem, product.id
            db.session.delete(image)
            after_commit(lambda s=stem, p=product_id: photos.delete_files(p, s))
    revision.status = RevisionStatus.APPROVED
    db.session.flush()
    db.session.expire(product, ["images", "revisions"])
    record_audit(
        actor,
        "revision.approved",
        "product",
        product.id,
        commune_code=product.cooperative.commune_code,
        revision_id=revision.id,
        fields=sorted(changes),
    )
    _announce([product.id], changed)
    _notify(product, _("Chỉnh sửa của “%(name)s” đã được duyệt.", name=product.name), _("Chỉnh sửa đã được duyệt"))


def reject_revision(actor: User, revision: ProductRevision, reason: str | None) -> None:
    product = _decide_revision(actor, revision)
    text = _reason(reason)
    revision.status, revision.reason = RevisionStatus.REJECTED, text
    for image in list(product.images):
        if image.revision_id == revision.id:
            stem, product_id = image.stem, product.id
            db.session.delete(image)
            after_commit(lambda s=stem, p=product_id: photos.delete_files(p, s))
    db.session.flush()
    db.session.expire(product, ["images", "revisions"])
    record_audit(
        actor,
        "revision.rejected",
        "product",
        product.id,
        commune_code=product.cooperative.commune_code,
        revision_id=revision.id,
        reason=text,
    )
    _notify(
        product,
        _("Chỉnh sửa của “%(name)s” chưa được duyệt. Lý do: %(reason)s", name=product.name, reason=text),
        _("Chỉnh sửa chưa được duyệt"),
    )


def diff_rows(revision: ProductRevision) -> list[tuple[str, str, str]]:
    """(field label, published value, proposed value) for the side-by-side review."""
    product = revision.product
    published = current_values(product)
    labels = {
        "name": _("Tên sản phẩm"),
        "description": _("Mô tả"),
        "category_id": _("Danh mục"),
        "origin_commune_code": _("Xã xuất xứ"),
        "certificate": _("Chứng nhận OCOP"),
        "gtin": _("Mã GTIN"),
    }

    def show(key: str, value) -> str:
        if value in (None, ""):
            return "—"
        if key == "category_id":
            category = db.session.get(Category, value)
            return category.name if category else str(value)
        if key == "certificate":
            return _(
                "%(stars)d sao, số %(no)s, hết hạn %(exp)s",
                stars=value["stars"],
                no=value["certificate_no"],
                exp=date.fromisoformat(value["expires_on"]).strftime("%d/%m/%Y"),
            )
        return str(value)

    rows = [(labels[k], show(k, published.get(k)), show(k, v)) for k, v in revision.changes.items() if k in labels]
    if revision.changes.get("images_added"):
        rows.append((_("Ảnh thêm"), "—", str(len(revision.changes["images_added"]))))
    if revision.changes.get("remove_image_ids"):
        rows.append((_("Ảnh bỏ đi"), str(len(revision.changes["remove_image_ids"])), "—"))
    return rows


# --- OCOP certificates ----------------------------------------------------------------------------


def certificate_state(product: Product, today: date | None = None) -> str | None:
    """'valid', 'expiring' (within 60 days), 'expired', or None without a certificate."""
    certificate = product.certificate
    if certificate is None:
        return None
    return validity_state(certificate.issued_on, certificate.expires_on, today)


def validity_state(issued_on: date, expires_on: date, today: date | None = None) -> str:
    """`certificate_state` of a certificate read as plain dates (`OcopCertificate.valid_on`'s rule)."""
    today = today or today_vn()
    if not issued_on <= today <= expires_on:
        return "expired"
    if expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS):
        return "expiring"
    return "valid"


def warn_expiring_certificates(today: date | None = None) -> int:
    """Tell each cooperative once, 60 days ahead, that a certificate expires; reindex expired ones."""
    today = today or today_vn()
    due = db.session.scalars(
        select(OcopCertificate).where(
            OcopCertificate.expires_on.between(today, today + timedelta(days=EXPIRY_WARNING_DAYS)),
            OcopCertificate.expiry_warned_on.is_(None),
        )
    ).all()
    warned = 0
    for certificate in due:
        # claim the warning first (one UPDATE … WHERE not yet warned): a second run at the same time — two beats
        # during a hand-over, a retried task — finds it claimed and tells no one twice
        claimed = db.session.execute(
            update(OcopCertificate)
            .where(OcopCertificate.id == certificate.id, OcopCertificate.expiry_warned_on.is_(None))
            .values(expiry_warned_on=today)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue
        warned += 1
        product = certificate.product
        notify_cooperative(
            product.cooperative_id,
            "ocop_expiring",
            _(
                "Chứng nhận OCOP của “%(name)s” hết hạn ngày %(day)s. Hãy gia hạn để giữ huy hiệu sao.",
                name=product.name,
                day=certificate.expires_on.strftime("%d/%m/%Y"),
            ),
            link=public_url("catalog.edit_product", product_id=product.id),
            mail_subject=_("Chứng nhận OCOP sắp hết hạn"),
        )
        certificate.expiry_warned_on = today
    db.session.flush()
    lapsed = db.session.scalars(
        select(Product.id).join(OcopCertificate).where(~OcopCertificate.valid_on(today), Product.status == S.PUBLISHED)
    ).all()
    # the index stores stars; pages, the API and feeds apply the certificate rule as they render
    indexing.sync_products(lapsed)
    return warned


def ensure_reviewer(actor: User, product: Product) -> None:
    """Raise 403 unless the actor reviews this product's commune."""
    try:
        ensure_staff_of_commune(actor, product.cooperative.commune_code)
    except DomainError:
        raise Forbidden(_("Bạn chỉ có thể duyệt sản phẩm của xã mình.")) from None
