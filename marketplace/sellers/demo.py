"""Demo data: one application waiting in the demo commune's queue, so `make run` shows staff what to verify."""

from __future__ import annotations

from ..demo import DEMO_PASSWORD, register_seeder
from ..extensions import db
from ..models import Cooperative, Role
from ..services import create_user, find_user_by_email
from . import services

APPLICANT = "mien@demo.ocop.vn"
APPLICATION = {
    "kind": "hkd",
    "name": "Hộ kinh doanh Miến dong Triệu Sơn",
    "registration_no": "2801987654",
    "commune": 15664,  # the demo commune staff's (Triệu Sơn, Thanh Hóa)
    "address": "Thôn Vạn Lợi, xã Triệu Sơn, Thanh Hóa",
    "phone": "0912000005",
    "representative": "Hoàng Thị Miến",
    "bank_bin": "970418",
    "account_no": "21510009876543",
    "account_holder": "Hoàng Thị Miến",
}


def _seed_application() -> dict[str, int]:
    if find_user_by_email(APPLICANT) is not None:
        return {"hồ sơ người bán chờ duyệt": 0}
    applicant = create_user(APPLICANT, DEMO_PASSWORD, Role.BUYER, APPLICATION["representative"])
    cooperative: Cooperative = services.apply(applicant, APPLICATION)
    db.session.flush()
    return {"hồ sơ người bán chờ duyệt": 1 if cooperative.id else 0}


register_seeder("sellers", _seed_application, order=15)
