"""Seller onboarding rules: apply, correct and resubmit, verify, reject; who is told what; the seller's JSON.

One service per use case, called by both the HTML pages and the JSON API; services flush, the edge commits."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import services as core
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..models import Commune, Cooperative, CooperativeKind, CooperativeStatus, Role, User
from ..notify import services as notices
from ..permissions import ensure_staff_of_commune
from ..text import clean_text, normalise_phone, utcnow
from ..urls import public_url
from . import bank, documents

KIND_LABELS = {
    CooperativeKind.HTX: _l("Hợp tác xã"),
    CooperativeKind.TO_HOP_TAC: _l("Tổ hợp tác"),
    CooperativeKind.HO_KINH_DOANH: _l("Hộ kinh doanh"),
    CooperativeKind.DOANH_NGHIEP: _l("Doanh nghiệp"),
}
STATUS_LABELS = {
    CooperativeStatus.PENDING: _l("Chờ xã xác minh"),
    CooperativeStatus.VERIFIED: _l("Đã xác minh"),
    CooperativeStatus.REJECTED: _l("Bị từ chối"),
}
REASON_MAX = 1000
# what an application must carry, with the words for each field in the "please fill in" message
REQUIRED = {
    "name": _l("tên"),
    "registration_no": _l("mã số đăng ký/mã số thuế"),
    "commune": _l("xã"),
    "address": _l("địa chỉ"),
    "phone": _l("số điện thoại"),
    "representative": _l("người đại diện"),
    "bank_bin": _l("ngân hàng"),
    "account_no": _l("số tài khoản"),
    "account_holder": _l("tên chủ tài khoản"),
}
_CONTACT_PHONE = re.compile(r"^0\d{9,10}$")


def kind_label(kind: CooperativeKind | str) -> str:
    return str(KIND_LABELS.get(CooperativeKind(kind), kind))


def status_label(status: CooperativeStatus | str) -> str:
    return str(STATUS_LABELS.get(CooperativeStatus(status), status))


# --- who may do what ------------------------------------------------------------------------------


def ensure_can_apply(user: User) -> None:
    """Any signed-in buyer may apply once; a member of a seller, commune staff and admin may not."""
    if user.cooperative_id is not None or user.role == Role.COOPERATIVE:
        name = user.cooperative.name if user.cooperative else ""
        raise Conflict(
            _(
                "Tài khoản của bạn đã thuộc gian hàng “%(name)s”; mỗi tài khoản chỉ thuộc một gian hàng.",
                name=name,
            ),
            code="already_member",
        )
    if user.role != Role.BUYER:
        raise Forbidden(_("Tài khoản cán bộ xã hoặc quản trị không mở gian hàng; hãy dùng một tài khoản khác."))


def can_view(user: User, cooperative: Cooperative) -> bool:
    """Its members, the staff of its commune, admin."""
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.COMMUNE_STAFF:
        return user.commune_code == cooperative.commune_code
    return user.role == Role.COOPERATIVE and user.cooperative_id == cooperative.id


def find_visible(user: User | None, slug: str) -> Cooperative:
    """The seller with this slug when `user` may see its application; 404 otherwise (whether or not it exists)."""
    cooperative = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    if cooperative is None or user is None or not can_view(user, cooperative):
        raise NotFound(_("Không tìm thấy người bán."), code="not_found")
    return cooperative


def find_for_staff(user: User, slug: str | None = None, cooperative_id: int | None = None) -> Cooperative:
    """A seller for a staff decision: 404 when unknown, 403 when it is in another commune."""
    if slug is not None:
        cooperative = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    else:
        cooperative = db.session.get(Cooperative, cooperative_id) if cooperative_id else None
    if cooperative is None:
        raise NotFound(_("Không tìm thấy người bán."), code="not_found")
    ensure_staff_of_commune(user, cooperative.commune_code)
    return cooperative


# --- applying -------------------------------------------------------------------------------------


def _check_required(data: dict) -> None:
    missing = {name: [_("Bắt buộc.")] for name in REQUIRED if not str(data.get(name) or "").strip()}
    if missing:
        words = ", ".join(str(REQUIRED[name]) for name in missing)
        raise ValidationFailed(_("Hãy điền đủ: %(fields)s.", fields=words), fields=missing)


def _contact_phone(raw: str) -> str:
    """A mobile number (any spelling) or a landline of 10–11 digits starting with 0."""
    mobile = normalise_phone(raw)
    if mobile:
        return mobile
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if not _CONTACT_PHONE.match(digits):
        raise ValidationFailed(
            _("Số điện thoại liên hệ không hợp lệ (ví dụ 0912 345 678)."), fields={"phone": [_("Không hợp lệ.")]}
        )
    return digits


def _commune_code(raw: object) -> int:
    try:
        code = int(str(raw).strip())
    except (TypeError, ValueError):
        code = 0
    if code <= 0 or code >= 2**31:
        raise ValidationFailed(_("Xã không tồn tại."), fields={"commune": [_("Không tìm thấy xã.")]})
    return code


def _registration_no(raw: object) -> str:
    number = core.normalise_registration_no(str(raw or ""))
    if number is None:  # checked as required before; a value of only spaces and dots ends here
        raise ValidationFailed(_("Hãy điền đủ: %(fields)s.", fields=REQUIRED["registration_no"]))
    return number


def apply(user: User, data: dict, uploads: dict[str, bytes | None] | None = None) -> Cooperative:
    """A signed-in buyer applies to sell: a `pending` seller of which they become the owner; the commune's staff
    are told. `data`: kind, name, registration_no, commune (code), address, phone, representative, bank_bin,
    account_no, account_holder; `uploads`: photos of the registration and OCOP certificates (optional)."""
    ensure_can_apply(user)
    _check_required(data)
    photos = documents.prepare_documents(uploads or {})
    cooperative = core.create_cooperative(
        data["name"],
        _commune_code(data["commune"]),
        kind=data.get("kind"),
        registration_no=_registration_no(data["registration_no"]),
        representative=data["representative"],
        address=data["address"],
        phone=_contact_phone(data["phone"]),
        bank_bin=data["bank_bin"],
        account_no=data["account_no"],
        account_holder=data["account_holder"],
        owner=user,
    )
    cooperative.submitted_at = utcnow()
    for which, jpeg in photos.items():
        documents.store_document(cooperative, which, jpeg)
    db.session.flush()
    _tell_staff(cooperative, resubmitted=False)
    return cooperative


def resubmit(actor: User, cooperative: Cooperative, data: dict, uploads: dict[str, bytes | None] | None = None):
    """The owner of a rejected application corrects it and sends it again: `pending` once more, the commune's
    staff are told again."""
    if not (actor.is_cooperative_owner and actor.cooperative_id == cooperative.id):
        raise Forbidden(_("Chỉ chủ gian hàng được sửa và gửi lại hồ sơ."))
    if cooperative.status != CooperativeStatus.REJECTED:
        raise Conflict(_("Chỉ hồ sơ bị từ chối mới được sửa và gửi lại."), code="not_rejected")
    _check_required(data)
    photos = documents.prepare_documents(uploads or {})
    commune_code = _commune_code(data["commune"])
    if db.session.get(Commune, commune_code) is None:
        raise ValidationFailed(_("Xã không tồn tại."), fields={"commune": [_("Không tìm thấy xã.")]})
    name = clean_text(data["name"]) or ""
    if not name:
        raise ValidationFailed(_("Tên hợp tác xã không được để trống."), fields={"name": [_("Bắt buộc.")]})
    cooperative.name = name
    cooperative.kind = core.parse_cooperative_kind(data.get("kind"))
    cooperative.registration_no = _registration_no(data["registration_no"])
    cooperative.commune_code = commune_code
    cooperative.address = clean_text(data["address"]) or ""
    cooperative.phone = _contact_phone(data["phone"])
    cooperative.representative = clean_text(data["representative"]) or ""
    core.set_bank_account(cooperative, data["bank_bin"], data["account_no"], data["account_holder"])
    for which, jpeg in photos.items():
        documents.store_document(cooperative, which, jpeg)
    cooperative.status = CooperativeStatus.PENDING
    cooperative.submitted_at = utcnow()
    db.session.flush()
    _tell_staff(cooperative, resubmitted=True)
    core.record_audit(actor, "cooperative.resubmitted", "cooperative", cooperative.id, commune_code=commune_code)
    return cooperative


def _tell_staff(cooperative: Cooperative, resubmitted: bool) -> None:
    """A notice and an e-mail to every active staff member of the seller's commune."""
    staff = db.session.scalars(
        select(User).where(User.role == Role.COMMUNE_STAFF, User.commune_code == cooperative.commune_code, User.active)
    ).all()
    if resubmitted:
        message = _("“%(name)s” đã sửa và gửi lại hồ sơ mở gian hàng, chờ xã xác minh.", name=cooperative.name)
    else:
        message = _("Hồ sơ mở gian hàng mới: “%(name)s”, chờ xã xác minh.", name=cooperative.name)
    link = public_url("workspace.application", cooperative_id=cooperative.id)
    first = notices.pending_applications(cooperative.commune_code) == 1  # the queue was empty: say so on their channel
    for member in staff:
        if first:
            notices.tell(
                member,
                "seller_application",
                message,
                link,
                key=f"{cooperative.id}:{cooperative.submitted_at}",
                subject=_("Chợ OCOP: hồ sơ người bán chờ xác minh"),
            )
        else:
            core.notify(member, "seller_application", message, link)


# --- the commune's decision -----------------------------------------------------------------------


def verify(actor: User, cooperative: Cooperative) -> None:
    """Staff of its commune (or admin) verify a seller: it may sell; its owner is told. Verifying a verified
    seller changes nothing."""
    ensure_staff_of_commune(actor, cooperative.commune_code)
    if cooperative.verified:
        return
    if cooperative.bank_bin and cooperative.account_no:  # another seller may have been verified with it meanwhile
        core.ensure_account_not_taken(cooperative, cooperative.bank_bin, cooperative.account_no)
    core.verify_cooperative(actor, cooperative, True)
    cooperative.rejection_reason = None
    db.session.flush()
    core.notify_cooperative(
        cooperative.id,
        "seller_verified",
        _("Xã đã xác minh “%(name)s”: gian hàng của bạn đã được mở.", name=cooperative.name),
        link=public_url("sellers.application"),
        mail_subject=_("Chợ OCOP: gian hàng đã được xác minh"),
    )


def reject(actor: User, cooperative: Cooperative, reason: str | None) -> None:
    """Staff of its commune (or admin) reject a pending application, saying why; its owner is told and may
    correct it and send it again."""
    ensure_staff_of_commune(actor, cooperative.commune_code)
    reason = (clean_text(reason) or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Hãy ghi lý do từ chối để người nộp biết cần sửa gì."), fields={"reason": [_("Bắt buộc.")]}
        )
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            _("Lý do quá dài (tối đa %(n)d ký tự).", n=REASON_MAX), fields={"reason": [_("Quá dài.")]}
        )
    if cooperative.status != CooperativeStatus.PENDING:
        raise Conflict(
            _(
                "Chỉ từ chối được hồ sơ đang chờ xác minh (hồ sơ này: %(status)s).",
                status=status_label(cooperative.status),
            ),
            code="not_pending",
        )
    cooperative.status = CooperativeStatus.REJECTED
    cooperative.rejection_reason = reason
    db.session.flush()
    core.record_audit(
        actor,
        "cooperative.rejected",
        "cooperative",
        cooperative.id,
        commune_code=cooperative.commune_code,
        reason=reason,
    )
    core.notify_cooperative(
        cooperative.id,
        "seller_rejected",
        _(
            "Xã chưa xác minh “%(name)s”. Lý do: %(reason)s. Hãy sửa hồ sơ và gửi lại.",
            name=cooperative.name,
            reason=reason,
        ),
        link=public_url("sellers.application"),
        mail_subject=_("Chợ OCOP: hồ sơ mở gian hàng cần sửa"),
    )


# --- JSON -----------------------------------------------------------------------------------------


def bank_json(cooperative: Cooperative) -> dict:
    """The seller's bank account as the API shows it (the one place that builds it): `status` is `verified` once
    the commune has verified the seller, else `pending`."""
    return {
        "bin": cooperative.bank_bin,
        "account_no": cooperative.account_no,
        "account_name": cooperative.account_holder,
        "status": "verified" if cooperative.verified else "pending",
        "pending_change": bank.pending_change_json(cooperative),
    }


def cooperative_json(cooperative: Cooperative) -> dict:
    return {
        "slug": cooperative.slug,
        "name": cooperative.name,
        "kind": str(cooperative.kind),
        "commune": cooperative.commune_code,
        "province": cooperative.commune.province_code,
        "status": str(cooperative.status),
        "bank": bank_json(cooperative),
    }


def pending_applications(user: User, limit: int = 100) -> list[Cooperative]:
    """Applications waiting for this staff member's decision (their commune; every commune for admin), oldest
    first."""
    query = select(Cooperative).where(Cooperative.status == CooperativeStatus.PENDING)
    if user.role != Role.ADMIN:
        query = query.where(Cooperative.commune_code == user.commune_code)
    return list(db.session.scalars(query.order_by(Cooperative.submitted_at, Cooperative.id).limit(limit)))
