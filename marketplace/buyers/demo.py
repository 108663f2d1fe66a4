"""Demo: `bep@demo.ocop.vn` (password `demo12345`), the verified kitchen of a primary school in Liên Sơn, Phú Thọ."""

from __future__ import annotations

from ..demo import DEMO_PASSWORD
from ..extensions import db
from ..models import Role
from ..services import create_user, find_user_by_email
from ..text import utcnow
from .models import BusinessBuyer, BusinessKind, BusinessStatus
from .services import business_of

KITCHEN_EMAIL = "bep@demo.ocop.vn"
LIEN_SON = 4960


def seed_demo_business() -> dict[str, int]:
    """Idempotent: the kitchen's account and verified profile are added once."""
    user = find_user_by_email(KITCHEN_EMAIL)
    added = 0
    if user is None:
        user = create_user(KITCHEN_EMAIL, DEMO_PASSWORD, Role.BUYER, "Bếp ăn Trường Tiểu học Liên Sơn")
        added += 1
    if business_of(user) is None:
        db.session.add(
            BusinessBuyer(
                user_id=user.id,
                organisation_name="Bếp ăn bán trú Trường Tiểu học Liên Sơn",
                kind=BusinessKind.SCHOOL_KITCHEN,
                tax_number="2600123456",
                commune_code=LIEN_SON,
                address="Trường Tiểu học Liên Sơn, thôn Đồng Chằm",
                contact_name="Phạm Thị Lan (bếp trưởng)",
                contact_phone="0912000005",
                status=BusinessStatus.VERIFIED,
                verified_at=utcnow(),
            )
        )
        added += 1
    db.session.flush()
    return {"người mua doanh nghiệp mới": added}
