"""HTML pages of the marketplace core: sign-in, accounts, cooperative settings, members, commune staff."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from . import services, sessions
from .errors import DomainError, Forbidden, NotFound
from .extensions import db, limiter
from .forms import (
    AcceptInvitationForm,
    ConfirmForm,
    CooperativeForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    StaffForm,
)
from .hooks import run_login_hooks
from .models import Bank, Notice, Province, Role, User
from .permissions import require_roles
from .sellers import bank
from .units import search_communes
from .urls import public_url, safe_next_url

bp = Blueprint("main", __name__)
LOGIN_LIMIT = "5 per minute;30 per hour"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except DomainError as error:
            flash(error.message, "error")
        else:
            if form.remember.data:
                sessions.remember(user)
            db.session.commit()
            login_user(user)
            session["locale"] = user.locale
            _merge_guest_state(user)
            return redirect(safe_next_url(request.args.get("next")) or url_for("catalog.home"))
    return render_template("marketplace/login.html", form=form), 200 if request.method == "GET" else 400


def _merge_guest_state(user: User) -> None:
    """Hooks for other packages (the cart merges at login) run through this signal-like registry."""
    run_login_hooks(user)


@bp.post("/logout")
def logout():
    """Signs this account out everywhere: every session and remember-me cookie of it ends."""
    if current_user.is_authenticated:
        services.end_all_sessions(current_user)
        db.session.commit()
    sessions.forget()
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("catalog.home"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            services.register_buyer(form.email.data, form.password.data, form.full_name.data, form.phone.data)
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(
                _(
                    "Nếu địa chỉ này chưa có tài khoản, tài khoản của bạn đã được tạo: mời bạn đăng nhập. "
                    "Nếu đã có, chúng tôi đã gửi thư hướng dẫn tới địa chỉ đó."
                ),
                "success",
            )
            return redirect(url_for("main.login"))
    return render_template("marketplace/register.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, lambda token: public_url("main.reset_password", token=token))
        db.session.commit()
        flash(_("Nếu e-mail có trong hệ thống, chúng tôi đã gửi liên kết đặt lại mật khẩu."), "info")
        return redirect(url_for("main.login"))
    return render_template("marketplace/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Đã đổi mật khẩu. Mời bạn đăng nhập."), "success")
            return redirect(url_for("main.login"))
    return render_template("marketplace/reset.html", form=form)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = services.find_invitation(token)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            actor = current_user if current_user.is_authenticated else None
            user = services.accept_invitation(token, form.password.data or "", form.full_name.data, actor)
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            login_user(user)
            flash(_("Bạn đã tham gia %(coop)s.", coop=invitation.cooperative.name), "success")
            return redirect(url_for("main.cooperative_settings"))
    return render_template("marketplace/invite.html", form=form, invitation=invitation)


@bp.get("/lang/<code>")
def set_language(code: str):
    """Switch the display language (a preference only, so a plain link; no data changes)."""
    if code in ("vi", "en"):
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(safe_next_url(request.args.get("next")) or url_for("catalog.home"))


@bp.get("/account/")
@login_required
def account():
    notices = db.session.scalars(
        select(Notice).where(Notice.user_id == current_user.id).order_by(Notice.created_at.desc()).limit(30)
    ).all()
    return render_template("marketplace/account.html", notices=notices)


def _settings_form(cooperative) -> CooperativeForm:
    form = CooperativeForm(obj=cooperative)
    form.bank_bin.choices = [("", _("— Chọn ngân hàng —"))] + [
        (b.bin, f"{b.short_name} ({b.bin})")
        for b in db.session.scalars(select(Bank).where(Bank.active).order_by(Bank.short_name))
    ]
    return form


@bp.route("/cooperative/settings", methods=["GET", "POST"])
@require_roles(Role.COOPERATIVE)
def cooperative_settings():
    cooperative = current_user.cooperative
    form = _settings_form(cooperative)
    if form.validate_on_submit():
        if not current_user.is_cooperative_owner:
            flash(_("Chỉ chủ hợp tác xã được sửa thông tin này."), "error")
            return _settings_page(form, cooperative, status=403)
        try:
            change = bank.update_settings(current_user, cooperative, form.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Đã lưu thông tin hợp tác xã."), "success")
            if change is not None:
                flash(
                    _("Đã gửi yêu cầu đổi tài khoản nhận tiền; xã xác nhận xong mới áp dụng cho mã VietQR mới."),
                    "info",
                )
            return redirect(url_for("main.cooperative_settings"))
    return _settings_page(form, cooperative)


def _settings_page(form: CooperativeForm, cooperative, new_key: str | None = None, status: int = 200):
    page = render_template(
        "marketplace/cooperative_settings.html",
        form=form,
        cooperative=cooperative,
        pending_change=bank.pending_change(cooperative),
        key_form=FlaskForm(),
        new_key=new_key,
        webhook_url=bank.webhook_url(),
    )
    return page, status


@bp.post("/cooperative/settings/bank-webhook-key")
@require_roles(Role.COOPERATIVE)
def cooperative_webhook_key():
    """Generate or rotate the seller's key for bank notifications; the page shows it this once."""
    cooperative = current_user.cooperative
    if not FlaskForm().validate_on_submit():
        return redirect(url_for("main.cooperative_settings"))
    try:
        key = bank.issue_webhook_key(current_user, cooperative)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("main.cooperative_settings"))
    db.session.commit()
    response = make_response(_settings_page(_settings_form(cooperative), cooperative, new_key=key))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/cooperative/members", methods=["GET", "POST"])
@require_roles(Role.COOPERATIVE)
def cooperative_members():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            services.invite_member(
                current_user,
                form.email.data,
                lambda token: public_url("main.accept_invitation", token=token),
            )
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Đã gửi lời mời tới %(email)s.", email=form.email.data), "success")
            return redirect(url_for("main.cooperative_members"))
    return render_template("marketplace/members.html", form=form, cooperative=current_user.cooperative)


@bp.route("/cooperative/members/<int:user_id>/owner", methods=["GET", "POST"])
@require_roles(Role.COOPERATIVE)
def transfer_ownership(user_id: int):
    """Hand the seller to another member: a confirmation page, then the change (the owner becomes a member)."""
    member = db.session.get(User, user_id)
    if member is None or member.cooperative_id != current_user.cooperative_id or member.id == current_user.id:
        raise NotFound(_("Không tìm thấy thành viên này trong hợp tác xã của bạn."))
    if not current_user.is_cooperative_owner:
        raise Forbidden(_("Chỉ chủ hợp tác xã được chuyển quyền chủ."))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.transfer_ownership(current_user, member)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(
                _("%(name)s giờ là chủ hợp tác xã; bạn là thành viên.", name=member.full_name or member.email),
                "success",
            )
            return redirect(url_for("main.cooperative_members"))
    return render_template("marketplace/transfer_ownership.html", form=form, member=member)


@bp.route("/admin/staff", methods=["GET", "POST"])
@require_roles(Role.ADMIN)
def admin_staff():
    form = StaffForm()
    province_code = request.values.get("province", type=int)
    form.province.choices = [
        (str(p.code), p.name) for p in db.session.scalars(select(Province).order_by(Province.name))
    ]
    form.commune.choices = [(str(c.code), c.name) for c in search_communes(db.session, province_code, limit=500)]
    if request.method == "POST" and request.form.get("action") == "pick":
        return render_template("marketplace/admin_staff.html", form=form, staff=_staff_list())
    if form.validate_on_submit():
        try:
            services.create_user(
                form.email.data,
                form.password.data,
                Role.COMMUNE_STAFF,
                form.full_name.data,
                commune_code=int(form.commune.data or 0),
                actor=current_user,
            )
        except (DomainError, ValueError) as error:
            db.session.rollback()
            flash(getattr(error, "message", _("Xã không hợp lệ.")), "error")
        else:
            db.session.commit()
            flash(_("Đã tạo tài khoản cán bộ xã."), "success")
            return redirect(url_for("main.admin_staff"))
    return render_template("marketplace/admin_staff.html", form=form, staff=_staff_list())


def _staff_list() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.COMMUNE_STAFF).order_by(User.email)))


@bp.get("/units/communes")
def communes_picker():
    """Communes of a province for the picker: JSON for the script, a page without JavaScript."""
    province_code = request.args.get("province", type=int)
    communes = search_communes(db.session, province_code, request.args.get("q", ""), limit=600)
    if request.accept_mimetypes.best == "application/json" or request.args.get("format") == "json":
        return jsonify([{"code": c.code, "name": c.name} for c in communes])
    provinces = db.session.scalars(select(Province).order_by(Province.name)).all()
    return render_template(
        "marketplace/communes.html",
        communes=communes,
        provinces=provinces,
        province_code=province_code,
        q=request.args.get("q", ""),
    )
