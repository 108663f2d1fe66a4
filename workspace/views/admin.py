"""Administration pages (admin only; every other user gets 403)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from integrations.channels import Capability, all_channels
from integrations.feeds import FEEDS
from marketplace import services as core_services
from marketplace.admin import services, settings
from marketplace.errors import DomainError, NotFound
from marketplace.extensions import db, login_manager
from marketplace.models import Bank, Commune, Cooperative, Province, Role, User
from marketplace.notify import outbox_dir
from marketplace.notify import services as notices
from marketplace.notify.channels import CHANNELS
from marketplace.notify.models import DeliveryStatus
from marketplace.sellers import services as sellers
from marketplace.text import format_vnd, today_vn
from orders import ledger
from workspace import admin_queries as queries
from workspace import charts, todo
from workspace.figure import month_label
from workspace.sales import channel_counts
from workspace.scope import Scope

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admin_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403)
    return None


def _provinces() -> list[Province]:
    return list(db.session.scalars(select(Province).order_by(Province.name)))


@bp.get("/")
def index():
    review_url = url_for("moderation.queue") if "moderation.queue" in current_app.view_functions else None
    return render_template("workspace/admin/index.html", links=admin_links(), cards=todo.admin_cards(review_url))


def admin_menu() -> list[tuple[str, str]]:
    """The administration menu for an admin on an administration page (every page of the menu keeps it)."""
    if not (current_user.is_authenticated and current_user.is_admin):
        return []
    links = admin_links()
    if request.blueprint == "admin" or request.endpoint in dict(links):
        return links
    return []


def admin_links() -> list[tuple[str, str]]:
    """The administration menu; pages of other packages appear when they exist."""
    links = [
        ("admin.communes", _("Xã và cán bộ xã")),
        ("main.admin_staff", _("Tạo tài khoản cán bộ xã")),
        ("admin.cooperatives", _("Xác minh hợp tác xã")),
        ("catalog.admin_categories", _("Danh mục sản phẩm")),
        ("admin.banks", _("Ngân hàng (VietQR)")),
        ("admin.payouts", _("Tiền thẻ và chuyển tiền cho hợp tác xã")),
        ("admin.channels", _("Kênh bán hàng")),
        ("admin.settings", _("Cài đặt trang")),
        ("admin.audit", _("Nhật ký thao tác")),
        ("admin.deliveries", _("Tin đã gửi (Zalo, SMS, e-mail)")),
        ("workspace.dashboard", _("Bảng số liệu")),
    ]
    return [(endpoint, label) for endpoint, label in links if endpoint in current_app.view_functions]


@bp.get("/communes")
def communes():
    province_code = request.args.get("province", type=int)
    q = (request.args.get("q") or "").strip()[:60]
    province = db.session.get(Province, province_code) if province_code else None
    if province_code and province is None:
        raise NotFound(_("Không tìm thấy tỉnh có mã %(code)s.", code=province_code))
    return render_template(
        "workspace/admin/communes.html",
        provinces=_provinces(),
        province=province,
        overview=None if province else queries.province_overview(),
        rows=queries.communes_of_province(province.code, q) if province else [],
        q=q,
    )


@bp.post("/staff/<int:user_id>/revoke")
def revoke_staff(user_id: int):
    """Take the commune staff role away (the account stays, as a buyer); recorded as `user.role_changed`."""
    user = db.session.get(User, user_id)
    if user is None or user.role != Role.COMMUNE_STAFF:
        raise NotFound(_("Không tìm thấy cán bộ xã."))
    commune = db.session.get(Commune, user.commune_code)
    core_services.change_role(current_user, user, Role.BUYER, commune_code=user.commune_code)
    db.session.commit()
    flash(_("Đã thu hồi quyền cán bộ xã của %(email)s.", email=user.contact), "success")
    return redirect(url_for("admin.communes", province=commune.province_code if commune else None))


@bp.get("/cooperatives")
def cooperatives():
    status = request.args.get("status", "waiting")
    if status not in ("waiting", "verified", "all"):
        status = "waiting"
    province_code = request.args.get("province", type=int)
    q = (request.args.get("q") or "").strip()[:80]
    return render_template(
        "workspace/admin/cooperatives.html",
        provinces=_provinces(),
        rows=queries.cooperatives_for_admin(status, province_code, q),
        status=status,
        province_code=province_code,
        q=q,
    )


@bp.post("/cooperatives/<int:cooperative_id>/verify")
def verify_cooperative(cooperative_id: int):
    cooperative = db.session.get(Cooperative, cooperative_id)
    if cooperative is None:
        raise NotFound(_("Không tìm thấy hợp tác xã."))
    verified = request.form.get("verified", "1") != "0"
    if verified:
        sellers.verify(current_user, cooperative)  # also tells its owner
    else:
        core_services.verify_cooperative(current_user, cooperative, verified)
    db.session.commit()
    message = _("Đã xác minh %(name)s.") if verified else _("Đã bỏ xác minh %(name)s.")
    flash(message % {"name": cooperative.name}, "success")
    return redirect(url_for("admin.cooperatives", status=request.form.get("status", "waiting")))


@bp.route("/banks", methods=["GET", "POST"])
def banks():
    form = {"bin": "", "short_name": "", "name": ""}
    status = 200
    if request.method == "POST":
        form = {key: request.form.get(key, "") for key in form}
        try:
            bank = services.add_bank(current_user, form["bin"], form["short_name"], form["name"])
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            status = error.status
        else:
            db.session.commit()
            flash(_("Đã thêm ngân hàng %(name)s.", name=bank.short_name), "success")
            return redirect(url_for("admin.banks"))
    rows = db.session.scalars(select(Bank).order_by(Bank.active.desc(), Bank.short_name)).all()
    return render_template("workspace/admin/banks.html", banks=rows, form=form), status


@bp.route("/banks/<bin_>", methods=["GET", "POST"])
def bank(bin_: str):
    bank = services.find_bank(bin_)
    status = 200
    if request.method == "POST":
        try:
            services.update_bank(
                current_user,
                bank,
                request.form.get("short_name", ""),
                request.form.get("name", ""),
                request.form.get("active") == "1",
            )
        except DomainError as error:
            db.session.rollback()
            bank = services.find_bank(bin_)
            flash(error.message, "error")
            status = error.status
        else:
            db.session.commit()
            flash(_("Đã lưu ngân hàng %(name)s.", name=bank.short_name), "success")
            return redirect(url_for("admin.banks"))
    return render_template("workspace/admin/bank.html", bank=bank), status


@bp.route("/settings", methods=["GET", "POST"], endpoint="settings")
def site_settings():
    values, errors, status = settings.all_settings(), {}, 200
    if request.method == "POST":
        submitted = {spec.key: request.form.get(spec.key, "") for spec in settings.SETTINGS}
        try:
            changed = settings.update_settings(current_user, submitted)
        except DomainError as error:
            db.session.rollback()
            values, errors, status = submitted, error.extra.get("fields", {}), error.status
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Đã lưu %(n)d thay đổi.", n=len(changed)), "success")
            return redirect(url_for("admin.settings"))
    return (
        render_template(
            "workspace/admin/settings.html",
            specs=settings.SETTINGS,
            values=values,
            errors=errors,
        ),
        status,
    )


@bp.get("/channels")
def channels():
    """Every sales channel with its listings across the country and links to its category map and feed."""
    counts = {row.channel: row for row in channel_counts(Scope())}
    feeds = {channel_id: name for name, channel_id in FEEDS.items()}
    rows = [
        {
            "channel": channel,
            "counts": counts.get(channel.id),
            "is_feed": Capability.FEED in channel.capabilities,
            "feed": feeds.get(channel.id),
        }
        for channel in all_channels()
    ]
    return render_template("workspace/admin/channels.html", rows=rows)


@bp.get("/audit")
def audit():
    filters = queries.parse_audit_filters(request.args)
    pagination = queries.audit_page(filters, request.args.get("page", 1, type=int))
    return render_template(
        "workspace/admin/audit.html",
        entries=pagination.items,
        total=pagination.total,
        page=pagination.page,
        pages=max(1, pagination.pages),
        filters=filters,
        actions=queries.audit_actions(),
        communes=queries.audit_communes(),
        commune_names=_commune_names({entry.commune_code for entry in pagination.items} - {None}),
    )


def _commune_names(codes: set[int]) -> dict[int, str]:
    """Each commune code an audit page shows as "Xã Triệu Sơn, Thanh Hóa" (codes mean nothing to people)."""
    if not codes:
        return {}
    communes = db.session.scalars(select(Commune).where(Commune.code.in_(codes)))
    return {commune.code: commune.full_name for commune in communes}


@bp.get("/payouts")
def payouts():
    """Card money the platform holds for each cooperative (sales − refunds − fees − payouts) and a payout form each."""
    return render_template(
        "workspace/admin/payouts.html",
        statements=ledger.balances(),
        today=today_vn().isoformat(),
    )


@bp.post("/payouts/<int:cooperative_id>")
def record_payout(cooperative_id: int):
    cooperative = db.session.get(Cooperative, cooperative_id)
    if cooperative is None:
        raise NotFound(_("Không tìm thấy hợp tác xã."))
    try:
        payout = ledger.record_payout(
            current_user,
            cooperative,
            request.form.get("paid_on", ""),
            request.form.get("amount_vnd", ""),
            request.form.get("bank_reference", ""),
            request.form.get("note", ""),
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return payouts(), error.status
    db.session.commit()
    flash(
        _("Đã ghi chuyển %(amount)s cho %(name)s.", amount=format_vnd(payout.amount_vnd), name=cooperative.name),
        "success",
    )
    return redirect(url_for("admin.payouts"))


@bp.get("/deliveries")
def deliveries():
    """The delivery log of notices (filters by channel, status, recipient), the count per channel per month, and in
    demo mode the messages written to the outbox folder."""
    channel = request.args.get("channel") or None
    status = request.args.get("status") or None
    q = (request.args.get("q") or "").strip()[:60]
    counts = notices.monthly_counts()
    months = sorted({month for month, _channel, _n in counts})
    table = {(month, ch): n for month, ch, n in counts}
    channel_ids = CHANNELS.ids()
    latest = months[-1] if months else None
    points = [charts.Point(str(CHANNELS.get(ch).label), table.get((latest, ch), 0)) for ch in channel_ids]
    title = _("Tin đã gửi tháng %(month)s", month=month_label(latest)) if latest else _("Tin đã gửi")
    folder = outbox_dir()
    outbox = sorted(folder.glob("*.txt"), reverse=True)[:30] if folder.is_dir() else []
    return render_template(
        "workspace/admin/deliveries.html",
        rows=notices.delivery_log(channel=channel, status=status, q=q),
        filters={"channel": channel or "", "status": status or "", "q": q},
        channels=[(ch, CHANNELS.get(ch).label, CHANNELS.get(ch).available(current_app.config)) for ch in channel_ids],
        statuses=[s.value for s in DeliveryStatus],
        months=[(month, month_label(month)) for month in months],
        table=table,
        chart=charts.bar_chart(points, title=title, empty_text=_("Chưa có tin nào")) if latest else None,
        outbox=[(path.name, path.read_text(encoding="utf-8")) for path in outbox],
    )
