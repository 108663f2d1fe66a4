"""Administrative units after the 2025 reform and the demo data."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.demo import seed
from marketplace.extensions import db
from marketplace.models import Bank, Commune, Cooperative, DivisionType, Province, User
from marketplace.units import load_units
from tests.factories import api_token, login

DEMO_EMAILS = ["admin@demo.ocop.vn", "xa@demo.ocop.vn", "htx@demo.ocop.vn", "khach@demo.ocop.vn"]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_units_after_the_2025_reform_are_loaded(app):
    assert _count(Province) == 34
    assert _count(Commune) == 3321
    by_type = dict(
        db.session.execute(select(Commune.division_type, func.count()).group_by(Commune.division_type)).all()
    )
    assert by_type == {DivisionType.XA: 2621, DivisionType.PHUONG: 687, DivisionType.DAC_KHU: 13}
    assert db.session.get(Commune, 14845).name == "Xã Mường Lát"
    assert db.session.get(Commune, 14845).province.name == "Thanh Hóa"


def test_loading_units_again_changes_nothing(app):
    assert load_units(db.session) == (34, 3321)
    db.session.commit()
    assert _count(Commune) == 3321


def test_bank_list_has_napas_bins(app):
    assert db.session.get(Bank, "970436").short_name == "Vietcombank"
    assert db.session.get(Bank, "970405").short_name == "Agribank"


def test_seed_demo_is_idempotent(app):
    seed()
    db.session.commit()
    counts = (_count(User), _count(Cooperative))
    seed()
    db.session.commit()
    assert (_count(User), _count(Cooperative)) == counts
    cooperatives = db.session.scalars(select(Cooperative)).all()
    assert all(c.bank_bin and c.account_no for c in cooperatives)
    assert "Hợp tác xã Nấm mèo Vạn Sơn" in {c.name for c in cooperatives}


def test_each_demo_account_logs_in(app):
    seed()
    db.session.commit()
    for email in DEMO_EMAILS:
        client = app.test_client()
        assert login(client, email, "demo12345").status_code == 302, email
    assert api_token(app.test_client(), "khach@demo.ocop.vn", "demo12345")


def test_cli_seed_demo_and_create_user(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "bỏ qua" in again.output
    made = runner.invoke(
        args=[
            "create-user",
            "--email",
            "moi@example.vn",
            "--password",
            "mat-khau-dai",
            "--role",
            "commune_staff",
            "--commune",
            "14845",
        ]
    )
    assert made.exit_code == 0, made.output
    assert db.session.scalar(select(User).where(User.email == "moi@example.vn")).commune_code == 14845
    refused = runner.invoke(
        args=[
            "create-user",
            "--email",
            "x@example.vn",
            "--password",
            "mat-khau-dai",
            "--role",
            "commune_staff",
            "--commune",
            "1",
        ]
    )
    assert refused.exit_code != 0 and "xã có thật" in refused.output
