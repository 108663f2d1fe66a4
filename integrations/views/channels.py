"""The channel page: per channel and product the state, last sync and error, export now, share links."""

from __future__ import annotations

from urllib.parse import quote

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from catalog.models import Category
from integrations import listings, services
from integrations.channels import Capability, all_channels, channels_with
from marketplace.errors import DomainError, ValidationFailed
from marketplace.extensions import db

from .blueprint import bp

READ_BACK_MAX_BYTES = 10 * 1024 * 1024


def _back(cooperative_slug: str | None = None):
    return redirect(url_for("integrations.channels", cooperative=cooperative_slug or None))


def share_links(product_url: str) -> dict[str, str]:
    """Facebook's sharer, and the product link tagged for Zalo (pasted into a chat or a Zalo OA post)."""
    return {
        "facebook": "https://www.facebook.com/sharer/sharer.php?u="
        + quote(product_url + "?utm_source=facebook", safe=""),
        "zalo": product_url + "?utm_source=zalo",
    }


@bp.get("/cooperative/channels")
@login_required
def channels():
    cooperatives = services.managed_cooperatives(current_user)
    cooperative = services.choose_cooperative(current_user, request.args.get("cooperative"))
    rows = services.channel_overview(cooperative) if cooperative else []
    base = current_app.config["PUBLIC_BASE_URL"]
    return render_template(
        "integrations/channels.html",
        cooperatives=cooperatives,
        cooperative=cooperative,
        rows=rows,
        sheet_channels=list(channels_with(Capability.BULK_SHEET)),
        feed_channels=list(channels_with(Capability.FEED)),
        share={row.product.id: share_links(f"{base}/p/{row.product.slug}") for row in rows},
        base_url=base,
    )


def _product_ids() -> list[int] | None:
    raw = request.form.getlist("product")
    if not raw:
        return None
    try:
        return [int(v) for v in raw]
    except ValueError:
        raise ValidationFailed(_("Danh sách sản phẩm không hợp lệ.")) from None


@bp.post("/cooperative/channels/<channel_id>/export")
@login_required
def export(channel_id: str):
    slug = request.form.get("cooperative")
    cooperative = services.choose_cooperative(current_user, slug)
    job = services.start_channel_sync(
        current_user, channel_id, cooperative, _product_ids(), include_all=request.form.get("all") == "1"
    )
    db.session.commit()
    return redirect(url_for("jobs.job_status", job_id=job.id))


@bp.post("/cooperative/channels/<channel_id>/listed")
@login_required
def mark_listed(channel_id: str):
    slug = request.form.get("cooperative")
    try:
        product_id = int(request.form.get("product_id", ""))
    except ValueError:
        raise ValidationFailed(_("Thiếu sản phẩm.")) from None
    try:
        listings.mark_listed(
            current_user,
            channel_id,
            product_id,
            request.form.get("external_id", ""),
            request.form.get("external_url", ""),
        )
    except ValidationFailed as error:
        flash(error.message, "error")
        return _back(slug)
    db.session.commit()
    flash(_("Đã ghi nhận sản phẩm đang bán trên sàn."), "success")
    return _back(slug)


@bp.post("/cooperative/channels/<channel_id>/read-back")
@login_required
def read_back(channel_id: str):
    slug = request.form.get("cooperative")
    upload = request.files.get("file")
    data = upload.read(READ_BACK_MAX_BYTES + 1) if upload else b""
    try:
        if not data or len(data) > READ_BACK_MAX_BYTES:
            raise ValidationFailed(_("Hãy chọn tệp .xlsx (tối đa 10 MB) xuất từ trang người bán."))
        counts = listings.apply_read_back(current_user, channel_id, data)
    except DomainError as error:
        flash(error.message, "error")
        return _back(slug)
    db.session.commit()
    flash(_("Đã đối chiếu %(n)d sản phẩm, bỏ qua %(s)d dòng.", n=counts["matched"], s=counts["skipped"]), "success")
    return _back(slug)


@bp.route("/cooperative/channels/<channel_id>/categories", methods=["GET", "POST"])
@login_required
def categories(channel_id: str):
    services.ensure_channel_user(current_user)
    channel = next((c for c in all_channels() if c.id == channel_id), None)
    if channel is None:
        return render_template("errors/error.html", status=404, message=_("Không có kênh này.")), 404
    if request.method == "POST":
        for key, value in request.form.items():
            if key.startswith("category-") and key[9:].isdigit():
                listings.set_category_mapping(current_user, channel.id, int(key[9:]), value)
        db.session.commit()
        flash(_("Đã lưu bảng ánh xạ danh mục."), "success")
        return redirect(url_for("integrations.categories", channel_id=channel.id))
    all_categories = db.session.scalars(select(Category).order_by(Category.parent_id.is_not(None), Category.position))
    return render_template(
        "integrations/categories.html",
        channel=channel,
        categories=list(all_categories),
        mapping=listings.category_map(channel.id),
        suggestions=getattr(channel, "default_categories", ()),
        editable=current_user.is_admin or current_user.is_commune_staff,
    )
