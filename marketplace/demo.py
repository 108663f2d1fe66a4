"""Vietnamese demo data. Every seeder looks rows up before adding them, so seeding twice adds nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from .banks import load_banks
from .extensions import db
from .models import Cooperative, CooperativeKind, CooperativeStatus, CoopRole, Role, User
from .services import create_cooperative, create_user, find_user_by_email
from .text import normalise_phone_e164
from .units import load_units, units_loaded

DEMO_PASSWORD = "demo12345"  # noqa: S105 — documented demo password, demo data only


@dataclass(frozen=True)
class DemoCooperative:
    slug: str
    name: str
    commune_code: int
    address: str
    phone: str
    bank_bin: str
    account_no: str
    description: str
    kind: CooperativeKind = CooperativeKind.HTX


DEMO_COOPERATIVES = (
    DemoCooperative(
        "htx-nam-meo-van-son",
        "Hợp tác xã Nấm mèo Vạn Sơn",
        15664,
        "Thôn Vạn Thắng (xã Vạn Sơn cũ), xã Triệu Sơn, Thanh Hóa",
        "0912345678",
        "970405",
        "3500205123456",
        "Trồng và sơ chế nấm mèo (mộc nhĩ) trên mùn cưa, sấy lạnh, đóng túi 200 g và 500 g.",
    ),
    DemoCooperative(
        "htx-chuoi-viba-lien-son",
        "Hợp tác xã Chuối Viba Liên Sơn",
        4960,
        "Thôn Đồng Chằm, xã Liên Sơn, Phú Thọ",
        "0987654321",
        "970436",
        "1023456789",
        "Chuối tiêu hồng giống Viba trồng theo VietGAP, thu hoạch quanh năm.",
    ),
    DemoCooperative(
        "htx-rau-qua-nam-thuong",
        "Hợp tác xã Rau quả an toàn Nam Thượng",
        8824,
        "Xóm Nam Thượng, xã Tam Sơn, Phú Thọ",
        "0356789012",
        "970418",
        "21510001234567",
        "Bí ngòi, dưa chuột và rau ăn lá trồng trong nhà màng, không dùng thuốc trừ cỏ.",
    ),
    DemoCooperative(
        "htx-mat-ong-muong-lat",
        "Hợp tác xã Mật ong và Chè Mường Lát",
        14845,
        "Bản Lát, xã Mường Lát, Thanh Hóa",
        "0868123456",
        "970422",
        "0868123456",
        "Mật ong rừng và chè shan tuyết của đồng bào Mông, Thái vùng biên giới Mường Lát.",
    ),
)

DEMO_USERS = (
    ("admin@demo.ocop.vn", "Quản trị tỉnh", Role.ADMIN),
    ("xa@demo.ocop.vn", "Lê Thị Hoa (cán bộ xã)", Role.COMMUNE_STAFF),
    ("htx@demo.ocop.vn", "Nguyễn Văn Sơn", Role.COOPERATIVE),
    ("khach@demo.ocop.vn", "Trần Minh Anh", Role.BUYER),
)
# the demo accounts also sign in by phone (DESIGN "Phone-first"); the code arrives in instance/outbox/
DEMO_PHONES = {
    "admin@demo.ocop.vn": "0912000001",
    "xa@demo.ocop.vn": "0912000002",
    "htx@demo.ocop.vn": "0912000003",
    "khach@demo.ocop.vn": "0912000004",
}

Seeder = Callable[[], dict[str, int]]
_SEEDERS: list[tuple[int, str, Seeder]] = []


def register_seeder(name: str, seeder: Seeder, order: int = 50) -> None:
    """Other packages add their demo data here (catalog 20, traceability 30, orders 40…)."""
    if all(existing != name for _o, existing, _s in _SEEDERS):
        _SEEDERS.append((order, name, seeder))


def database_is_empty() -> bool:
    return (db.session.scalar(select(func.count()).select_from(User)) or 0) == 0


def demo_cooperative(slug: str = "htx-nam-meo-van-son") -> Cooperative:
    return db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))


def _seed_core() -> dict[str, int]:
    if not units_loaded(db.session):
        load_units(db.session)
    load_banks(db.session)
    added = 0
    for spec in DEMO_COOPERATIVES:
        if demo_cooperative(spec.slug) is None:
            cooperative = create_cooperative(
                spec.name,
                spec.commune_code,
                address=spec.address,
                phone=spec.phone,
                description=spec.description,
                bank_bin=spec.bank_bin,
                account_no=spec.account_no,
                account_holder=spec.name,
                slug=spec.slug,
            )
            cooperative.kind, cooperative.status = spec.kind, CooperativeStatus.VERIFIED
            added += 1
    users = 0
    main_coop = demo_cooperative()
    for email, name, role in DEMO_USERS:
        if find_user_by_email(email) is None:
            create_user(
                email,
                DEMO_PASSWORD,
                role,
                name,
                cooperative=main_coop if role == Role.COOPERATIVE else None,
                coop_role=CoopRole.OWNER,
                commune_code=main_coop.commune_code if role == Role.COMMUNE_STAFF else None,
            )
            users += 1
    for email, phone in DEMO_PHONES.items():
        user = find_user_by_email(email)
        e164 = normalise_phone_e164(phone)
        if user is not None and user.phone is None and e164 is not None:
            holder = db.session.scalar(select(User.id).where(User.phone == e164))
            if holder is None:
                user.phone = e164
    for spec in DEMO_COOPERATIVES[1:]:
        email = f"{spec.slug}@demo.ocop.vn"
        if find_user_by_email(email) is None:
            create_user(
                email,
                DEMO_PASSWORD,
                Role.COOPERATIVE,
                spec.name,
                cooperative=demo_cooperative(spec.slug),
                coop_role=CoopRole.OWNER,
            )
            users += 1
    db.session.flush()
    return {"hợp tác xã mới": added, "tài khoản mới": users}


register_seeder("core", _seed_core, order=10)


def seed() -> dict[str, int]:
    """Run every registered seeder in order; returns what each added."""
    summary: dict[str, int] = {}
    for _order, _name, seeder in sorted(_SEEDERS, key=lambda item: item[0]):
        summary.update(seeder())
    return summary
