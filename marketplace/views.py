"""HTML pages of the marketplace core: sign-in, accounts, cooperative settings, members, commune staff."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from . import addresses, identifiers, otp, services, sessions
from .errors import DomainError, Forbidden, NotFound
from .extensions import db, limiter
from .forms import (
    AcceptInvitationForm,
    AddressForm,
    CodeForm,
    ConfirmForm,
    CooperativeForm,
    EmailForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    NameForm,
    PhoneForm,
    RegisterForm,
    ResetPasswordForm,
    StaffForm,
)
from .hooks import run_login_hooks
from .models import Bank, Notice, OtpPurpose, Province, Role, User
from .navigation import account_menu, home_url
from .permissions import require_roles
from .sellers import bank
from .text import display_phone
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
            return redirect(safe_next_url(request.args.get("next")) or home_url(user))
    return _login_page(form, status=200 if request.method == "GET" else 400)


def _login_page(form: LoginForm | None = None, phone_form: PhoneForm | None = None, status: int = 200):
    page = render_template(
        "marketplace/login.html", form=form or LoginForm(formdata=None), phone_form=phone_form or PhoneForm()
    )
    return page, status


def client_address() -> str:
    """The client's address as the rate limiter sees it (ProxyFix has applied X-Forwarded-For when configured)."""
    return get_remote_address() or ""


@bp.post("/login/phone")
@limiter.limit(LOGIN_LIMIT)
def login_phone():
    """Step 1 of signing in by phone: a code to the number (a number without an account gets one at step 2)."""
    phone_form = PhoneForm()
    if not phone_form.validate_on_submit():
        return _login_page(phone_form=phone_form, status=422)
    try:
        sent = otp.send_code(phone_form.phone.data, OtpPurpose.SIGN_IN, client_address())
        phone = sent.phone
    except otp.OtpLimited as error:
        phone = services.normalise_account_phone(phone_form.phone.data)
        if (
            otp.resend_wait(phone, OtpPurpose.SIGN_IN) == 0
        ):  # an hourly limit, not the short wait after a code just sent
            phone_form.phone.errors = [error.message]
            return _login_page(phone_form=phone_form, status=429)
    except DomainError as error:
        phone_form.phone.errors = [error.message]
        return _login_page(phone_form=phone_form, status=error.status)
    db.session.commit()
    session["otp_phone"] = phone
    return redirect(url_for("main.login_code", next=safe_next_url(request.args.get("next"))))


@bp.route("/login/phone/code", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login_code():
    """Step 2: the code from the text message signs in (and makes a buyer account for a new number)."""
    phone = session.get("otp_phone")
    if not phone:
        return redirect(url_for("main.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        if request.form.get("action") == "resend":
            try:
                otp.send_code(phone, OtpPurpose.SIGN_IN, client_address())
            except DomainError as error:
                flash(error.message, "error")
            else:
                db.session.commit()
                flash(_("Đã gửi mã mới."), "info")
            return redirect(url_for("main.login_code", next=safe_next_url(request.args.get("next"))))
        try:
            user = otp.sign_in_with_code(phone, form.code.data or "")
        except otp.OtpRejected as error:
            db.session.commit()  # the try counts
            form.code.errors = [error.message]
            status = error.status
        except DomainError as error:
            db.session.rollback()
            form.code.errors = [error.message]
            status = error.status
        else:
            db.session.commit()
            session.pop("otp_phone", None)
            login_user(user)
            session["locale"] = user.locale
            _merge_guest_state(user)
            target = safe_next_url(request.args.get("next"))
            if not user.full_name and target is None:
                flash(_("Đã đăng nhập. Hãy thêm họ tên của bạn để người bán biết giao cho ai."), "success")
                return redirect(url_for("main.account"))
            return redirect(target or home_url(user))
    page = render_template(
        "marketplace/login_code.html",
        form=form,
        phone_display=display_phone(phone),
        wait=otp.resend_wait(phone, OtpPurpose.SIGN_IN),
    )
    return page, status


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
    status = 200
    if form.validate_on_submit():
        try:
            actor = current_user._get_current_object() if current_user.is_authenticated else None
            user = services.accept_invitation(token, form.password.data or "", form.full_name.data, actor)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            status = error.status
        else:
            db.session.commit()
            login_user(user)
            flash(_("Bạn đã tham gia %(coop)s.", coop=invitation.cooperative.name), "success")
            return redirect(url_for("main.cooperative_settings"))
    page = render_template("marketplace/invite.html", form=form, invitation=invitation, phone_form=PhoneForm())
    return page, status


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
    return render_template(
        "marketplace/account.html",
        notices=notices,
        account_links=account_menu(current_user),
        addresses=addresses.addresses_of(current_user),
        name_form=NameForm(obj=current_user),
        action_form=FlaskForm(),
        phone_form=PhoneForm(formdata=None),
        email_form=EmailForm(formdata=None),
        password_form=ResetPasswordForm(formdata=None),
    )


@bp.route("/account/addresses/new", methods=["GET", "POST"], defaults={"address_id": None})
@bp.route("/account/addresses/<int:address_id>", methods=["GET", "POST"])
@login_required
def address_form(address_id: int | None):
    """Add or edit a saved delivery address (province → commune picker that also works without JavaScript)."""
    row = addresses.address_of(current_user, address_id) if address_id else None
    form = AddressForm(obj=row)
    if request.method == "GET" and row is not None:
        form.phone.data = display_phone(row.phone)
        form.is_default.data = row.is_default
    commune_code = request.form.get("commune", type=int) or (row.commune_code if row else None)
    province_code = request.form.get("province", type=int) or (row.commune.province_code if row else None)
    status = 200
    if request.method == "POST" and request.form.get("action") != "pick" and form.validate_on_submit():
        values = (form.name.data, form.phone.data, form.address.data, request.form.get("commune"))
        try:
            if row is None:
                addresses.save_address(current_user, *values, make_default=form.is_default.data)
            else:
                addresses.update_address(current_user, row.id, *values, make_default=form.is_default.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            for name, messages in (error.extra.get("fields") or {}).items():
                if name in form:
                    form[name].errors = list(messages)
            status = error.status
        else:
            db.session.commit()
            flash(_("Đã lưu địa chỉ."), "success")
            return redirect(url_for("main.account") + "#addresses")
    elif request.method == "POST" and request.form.get("action") != "pick":
        status = 422
    provinces = db.session.scalars(select(Province).order_by(Province.name)).all()
    communes = search_communes(db.session, province_code, limit=600) if province_code else []
    page = render_template(
        "marketplace/address_form.html",
        form=form,
        address=row,
        provinces=provinces,
        communes=communes,
        province_code=province_code,
        commune_code=commune_code,
    )
    return page, status


@bp.post("/account/addresses/<int:address_id>/default")
@login_required
def address_default(address_id: int):
    if FlaskForm().validate_on_submit():
        addresses.set_default_address(current_user, address_id)
        db.session.commit()
        flash(_("Đã đặt làm địa chỉ mặc định."), "success")
    return redirect(url_for("main.account") + "#addresses")


@bp.post("/account/addresses/<int:address_id>/delete")
@login_required
def address_delete(address_id: int):
    if FlaskForm().validate_on_submit():
        addresses.delete_address(current_user, address_id)
        db.session.commit()
        flash(_("Đã xoá địa chỉ."), "success")
    return redirect(url_for("main.account") + "#addresses")


@bp.post("/account/name")
@login_required
def account_name():
    """An account made by a phone code has no name yet: the person adds it here."""
    form = NameForm()
    if form.validate_on_submit():
        services.set_full_name(current_user, form.full_name.data)
        db.session.commit()
        flash(_("Đã lưu họ tên."), "success")
    else:
        flash(_("Nhập họ tên (tối đa 120 ký tự)."), "error")
    return redirect(url_for("main.account"))


@bp.post("/account/phone")
@login_required
@limiter.limit(LOGIN_LIMIT)
def account_phone():
    """Add or change the account's phone, step 1: a code to the new number (a taken number is refused here)."""
    form = PhoneForm()
    if not form.validate_on_submit():
        flash(_("Nhập số điện thoại di động."), "error")
        return redirect(url_for("main.account") + "#identifiers")
    try:
        sent = identifiers.send_phone_code(current_user, form.phone.data, client_address())
        phone = sent.phone
    except otp.OtpLimited as error:
        phone = services.normalise_account_phone(form.phone.data)
        if otp.resend_wait(phone, OtpPurpose.VERIFY_PHONE) == 0:  # an hourly limit, not the short wait
            flash(error.message, "error")
            return redirect(url_for("main.account") + "#identifiers")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("main.account") + "#identifiers")
    db.session.commit()
    session["verify_phone"] = phone
    return redirect(url_for("main.account_phone_code"))


@bp.route("/account/phone/code", methods=["GET", "POST"])
@login_required
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def account_phone_code():
    """Step 2: the right code sets the number on the account (verified)."""
    phone = session.get("verify_phone")
    if not phone:
        return redirect(url_for("main.account"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        if request.form.get("action") == "resend":
            try:
                identifiers.send_phone_code(current_user, phone, client_address())
            except DomainError as error:
                db.session.rollback()
                flash(error.message, "error")
            else:
                db.session.commit()
                flash(_("Đã gửi mã mới."), "info")
            return redirect(url_for("main.account_phone_code"))
        try:
            identifiers.confirm_phone(current_user, phone, form.code.data or "")
        except otp.OtpRejected as error:
            db.session.commit()  # the try counts
            form.code.errors = [error.message]
            status = error.status
        except DomainError as error:
            db.session.rollback()
            form.code.errors = [error.message]
            status = error.status
        else:
            db.session.commit()
            session.pop("verify_phone", None)
            flash(_("Đã lưu số di động %(phone)s.", phone=display_phone(phone)), "success")
            return redirect(url_for("main.account") + "#identifiers")
    page = render_template(
        "marketplace/account_phone_code.html",
        form=form,
        phone_display=display_phone(phone),
        wait=otp.resend_wait(phone, OtpPurpose.VERIFY_PHONE),
    )
    return page, status


@bp.post("/account/email")
@login_required
@limiter.limit(LOGIN_LIMIT)
def account_email():
    """Add or change the account's e-mail: a confirmation link goes to the new address."""
    form = EmailForm()
    if not form.validate_on_submit():
        flash(_("Địa chỉ e-mail không hợp lệ."), "error")
        return redirect(url_for("main.account") + "#identifiers")
    try:
        email = identifiers.request_email(
            current_user, form.email.data, lambda token: public_url("main.account_email_confirm", token=token)
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Đã gửi liên kết xác nhận tới %(email)s. Mở liên kết khi đang đăng nhập.", email=email), "info")
    return redirect(url_for("main.account") + "#identifiers")


@bp.get("/account/email/confirm/<token>")
@login_required
def account_email_confirm(token: str):
    """The link from the confirmation mail, opened by the signed-in account, sets the address."""
    try:
        replaced = identifiers.confirm_email(current_user, token)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("main.account") + "#identifiers")
    db.session.commit()
    if replaced:  # other sessions ended; this browser stays signed in
        login_user(current_user._get_current_object())
    flash(_("Đã lưu e-mail %(email)s.", email=current_user.email), "success")
    return redirect(url_for("main.account") + "#identifiers")


@bp.post("/account/password")
@login_required
def account_password():
    """An account without a password (made by a phone code) sets one, to sign in by e-mail too."""
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        messages = [message for errors in form.errors.values() for message in errors]
        flash(" ".join(messages) or _("Mật khẩu cần ít nhất 8 ký tự."), "error")
        return redirect(url_for("main.account") + "#identifiers")
    try:
        identifiers.set_first_password(current_user, form.password.data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Đã đặt mật khẩu."), "success")
    return redirect(url_for("main.account") + "#identifiers")


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
            flash(_("Đã gửi lời mời tới %(email)s.", email=form.email.data.strip()), "success")
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
                _("%(name)s giờ là chủ hợp tác xã; bạn là thành viên.", name=member.label),
                "success",
            )
            return redirect(url_for("main.cooperative_members"))
    return render_template("marketplace/transfer_ownership.html", form=form, member=member)


@bp.route("/admin/staff", methods=["GET", "POST"])
@require_roles(Role.ADMIN)
def admin_staff():
    form = StaffForm()
    province_code = request.values.get("province", type=int)
    _staff_unit_choices(form, province_code)
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


def _staff_unit_choices(form: StaffForm, province_code: int | None) -> None:
    """Nothing preselected: the province list starts blank, and communes are those of the chosen province only."""
    provinces = db.session.scalars(select(Province).order_by(Province.name))
    form.province.choices = [("", _("— Chọn tỉnh —"))] + [(str(p.code), p.name) for p in provinces]
    communes = search_communes(db.session, province_code, limit=500) if province_code else []
    form.commune.choices = [("", _("— Chọn xã —"))] + [(str(c.code), c.name) for c in communes]


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
