"""Business buyer profiles: apply, verify or reject (admin or the commune's staff), and the checks other packages use."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import Select, select

from ..errors import Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..models import Role, User
from ..permissions import ensure_staff_of_commune
from ..services import normalise_email, normalise_registration_no, notify, province_of_commune, record_audit
from ..text import clean_text, normalise_phone, utcnow
from .models import BusinessBuyer, BusinessKind, BusinessStatus


def business_of(user: User | None) -> BusinessBuyer | None:
    """The account's business profile, if it applied for one."""
    if user is None or not getattr(user, "id", None):
        return None
    return db.session.scalar(select(BusinessBuyer).where(BusinessBuyer.user_id == user.id))


def is_verified_business(user: User | None) -> bool:
    business = business_of(user)
    return business is not None and business.verified


def ensure_verified_business(user: User) -> BusinessBuyer:
    """403 `business_unverified` unless the account is a business buyer its commune (or admin) has verified."""
    business = business_of(user)
    if business is None or not business.verified:
        raise Forbidden(
            _(
                "Chỉ người mua là tổ chức đã được xác minh mới đăng nhu cầu được. "
                "Hãy gửi hồ sơ doanh nghiệp ở trang “Hồ sơ người mua doanh nghiệp” và chờ xã xác minh."
            ),
            code="business_unverified",
        )
    return business


def _required(values: Mapping[str, object], name: str, limit: int, errors: dict[str, list[str]]) -> str:
    text = clean_text(str(values.get(name) or "")) or ""
    if not text or len(text) > limit:
        errors[name] = [_("Bắt buộc, tối đa %(n)d ký tự.", n=limit)]
    return text


def _tax_number(raw: object, errors: dict[str, list[str]]) -> str:
    try:
        number = normalise_registration_no(str(raw or ""))
    except ValidationFailed:
        number = None
    if number is None:
        errors["tax_number"] = [_("Mã số thuế gồm 10 hoặc 13 chữ số (chi nhánh: 10 số, dấu gạch, 3 số).")]
    return number or ""


def _email(raw: object, errors: dict[str, list[str]]) -> str | None:
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        return normalise_email(text)
    except ValidationFailed:
        errors["contact_email"] = [_("Địa chỉ e-mail không hợp lệ.")]
        return None


def _clean(values: Mapping[str, object]) -> dict[str, object]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, object] = {
        "organisation_name": _required(values, "organisation_name", 200, errors),
        "address": _required(values, "address", 300, errors),
        "contact_name": _required(values, "contact_name", 120, errors),
        "tax_number": _tax_number(values.get("tax_number"), errors),
        "other_contacts": (clean_text(str(values.get("other_contacts") or "")) or "")[:500],
    }
    kind = str(values.get("kind") or "")
    if kind not in set(BusinessKind):
        errors["kind"] = [_("Chọn loại tổ chức.")]
    cleaned["kind"] = kind
    cleaned["contact_phone"] = normalise_phone(str(values.get("contact_phone") or "")) or ""
    if not cleaned["contact_phone"]:
        errors["contact_phone"] = [_("Số di động Việt Nam gồm 10 số, bắt đầu bằng 0 hoặc +84.")]
    cleaned["contact_email"] = _email(values.get("contact_email"), errors)
    commune = values.get("commune")
    cleaned["commune_code"] = int(commune) if str(commune or "").isdigit() else 0
    if not cleaned["commune_code"] or province_of_commune(int(cleaned["commune_code"])) is None:
        errors["commune"] = [_("Chọn xã/phường của tổ chức.")]
    if errors:
        raise ValidationFailed(_("Vui lòng kiểm tra lại hồ sơ doanh nghiệp."), fields=errors)
    return cleaned


def apply_as_business(user: User, values: Mapping[str, object]) -> BusinessBuyer:
    """Create or correct the account's business profile; every change goes back to the commune for verification."""
    if user.role != Role.BUYER:
        raise Forbidden(_("Chỉ tài khoản người mua mới đăng ký làm người mua doanh nghiệp."))
    cleaned = _clean(values)
    business = business_of(user) or BusinessBuyer(user_id=user.id)
    for name, value in cleaned.items():
        setattr(business, name, value)
    business.status, business.verified_at, business.verified_by_id = BusinessStatus.PENDING, None, None
    business.rejection_reason = None
    db.session.add(business)
    db.session.flush()
    record_audit(user, "business.applied", "business_buyer", business.id, commune_code=business.commune_code)
    return business


def applications_for(actor: User) -> Select[tuple[BusinessBuyer]]:
    """The profiles this actor may verify: the commune's for its staff, all for admin."""
    query = select(BusinessBuyer).order_by(BusinessBuyer.status != BusinessStatus.PENDING, BusinessBuyer.id.desc())
    if actor.role == Role.ADMIN:
        return query
    if actor.role == Role.COMMUNE_STAFF:
        return query.where(BusinessBuyer.commune_code == actor.commune_code)
    return query.where(False)


def application(actor: User, business_id: int) -> BusinessBuyer:
    business = db.session.scalar(applications_for(actor).where(BusinessBuyer.id == business_id))
    if business is None:
        raise NotFound(_("Không tìm thấy hồ sơ doanh nghiệp này."))
    return business


def decide_business(actor: User, business: BusinessBuyer, verified: bool, reason: str = "") -> None:
    """Verify a business buyer, or reject it with a reason the applicant reads."""
    ensure_staff_of_commune(actor, business.commune_code)
    reason = clean_text(reason) or ""
    if not verified and not reason:
        raise ValidationFailed(_("Nhập lý do từ chối."), fields={"reason": [_("Bắt buộc khi từ chối.")]})
    business.status = BusinessStatus.VERIFIED if verified else BusinessStatus.REJECTED
    business.verified_at = utcnow() if verified else None
    business.verified_by_id = actor.id if verified else None
    business.rejection_reason = None if verified else reason[:1000]
    record_audit(
        actor,
        "business.verified" if verified else "business.rejected",
        "business_buyer",
        business.id,
        commune_code=business.commune_code,
    )
    message = (
        _(
            "Hồ sơ doanh nghiệp “%(name)s” đã được xác minh: bạn có thể đăng nhu cầu mua.",
            name=business.organisation_name,
        )
        if verified
        else _("Hồ sơ doanh nghiệp bị từ chối: %(reason)s", reason=reason)
    )
    notify(business.user, "business.decided", message)
    db.session.flush()
