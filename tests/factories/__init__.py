"""Factories: `make_x(**overrides)` builds a valid row and flushes it; call inside an app context."""

from __future__ import annotations

import itertools
from datetime import timedelta

from catalog.models import CertificationLevel, OcopCertificate, Product, ProductStatus
from marketplace.extensions import db
from marketplace.models import Cooperative, CooperativeStatus, CoopRole, Role, User
from marketplace.services import create_cooperative, create_user
from marketplace.text import fold, today_vn, utcnow

PASSWORD = "mat-khau-an-toan"
VAN_SON = 15664  # Xã Triệu Sơn, Thanh Hóa
MUONG_LAT = 14845  # Xã Mường Lát, Thanh Hóa
LIEN_SON = 4960  # Xã Liên Sơn, Phú Thọ
_seq = itertools.count(1)


def make_cooperative(**overrides) -> Cooperative:
    n = next(_seq)
    fields = {
        "name": f"Hợp tác xã Nấm mèo số {n}",
        "commune_code": VAN_SON,
        "address": "Thôn 3",
        "phone": "0912345678",
        "bank_bin": "970405",
        "account_no": f"35002051{n:05d}",
        "account_holder": "HTX NAM MEO",
    }
    fields.update(overrides)
    status = fields.pop("status", CooperativeStatus.VERIFIED)  # most tests sell; onboarding tests ask for pending
    cooperative = create_cooperative(fields.pop("name"), fields.pop("commune_code"), **fields)
    cooperative.status = status
    return cooperative


def make_user(role: Role = Role.BUYER, **overrides) -> User:
    n = next(_seq)
    email = overrides.pop("email", f"nguoi{n}@example.vn")
    password = overrides.pop("password", PASSWORD)
    if role == Role.COOPERATIVE and "cooperative" not in overrides:
        overrides["cooperative"] = make_cooperative()
        overrides.setdefault("coop_role", CoopRole.OWNER)
    if role == Role.COMMUNE_STAFF:
        overrides.setdefault("commune_code", VAN_SON)
    return create_user(email, password, role, overrides.pop("full_name", f"Người dùng {n}"), **overrides)


def make_product(cooperative: Cooperative | None = None, **overrides) -> Product:
    cooperative = cooperative or make_cooperative()
    n = next(_seq)
    name = overrides.pop("name", f"Nấm mèo khô loại {n}")
    stars = overrides.pop("ocop_stars", None)
    fields = {
        "cooperative_id": cooperative.id,
        "slug": f"{fold(name).replace(' ', '-')}-{n}",
        "name": name,
        "name_folded": fold(name),
        "price_vnd": 125_000,
        "stock": 50,
        "unit": "kg",
        "weight_g": 1000,
        "status": ProductStatus.PUBLISHED,
        "published_at": utcnow(),
        "description": "Sản phẩm thử.",
    }
    fields.update(overrides)
    product = Product(**fields)
    db.session.add(product)
    db.session.flush()
    if stars:
        issued = today_vn() - timedelta(days=100)
        db.session.add(
            OcopCertificate(
                product_id=product.id,
                stars=stars,
                certificate_no=f"QĐ {n}/QĐ-UBND",
                level=CertificationLevel.PROVINCE,
                issued_on=issued,
                expires_on=issued + timedelta(days=3 * 365),
            )
        )
        db.session.flush()
    return product


def login(client, user_or_email, password: str = PASSWORD):
    """Log a test client in through the real login form."""
    email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
    return client.form_post("/login", {"email": email, "password": password})


def api_token(client, email: str, password: str = PASSWORD) -> dict[str, str]:
    """Authorization header for the API, obtained through POST /api/v1/auth/token."""
    response = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def sent_mails(app) -> list[dict[str, str]]:
    """Deliver pending outbox mail (as the worker does) and read back what was written to MAIL_DIR."""
    from email import message_from_bytes, policy
    from pathlib import Path

    from marketplace.mail import deliver_outbox_mail
    from marketplace.models import OutboxMail, OutboxStatus

    for row in db.session.query(OutboxMail).filter_by(status=OutboxStatus.PENDING).all():
        deliver_outbox_mail(row.id)
    folder = Path(app.config["MAIL_DIR"])
    mails = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        mails.append({"to": message["To"], "subject": message["Subject"], "body": message.get_content()})
    return mails


def queued_tasks(app, task: str) -> dict[str, str]:
    """Arguments (as Celery's repr) of the messages for `task` waiting in the embedded (filesystem) broker,
    by message file."""
    import json
    from pathlib import Path

    folder = Path(app.config["CELERY_BROKER_URL"][len("filesystem://") :]) / "queue"
    found = {}
    for path in folder.glob("*"):
        message = json.loads(path.read_text())
        if message["headers"].get("task") == task:
            found[path.name] = message["headers"]["argsrepr"]
    return found
