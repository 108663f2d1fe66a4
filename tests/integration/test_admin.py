"""Administration pages: admin only, banks for VietQR, site settings, cooperative verification, audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.admin.settings import get_int_setting, get_setting
from marketplace.extensions import db
from marketplace.models import AuditLog, Bank, Cooperative, CooperativeStatus, Role
from marketplace.services import record_audit
from marketplace.text import utcnow
from tests.factories import MUONG_LAT, VAN_SON, login, make_cooperative, make_user

ADMIN_PAGES = [
    "/admin/",
    "/admin/communes",
    "/admin/communes?province=38",
    "/admin/cooperatives",
    "/admin/banks",
    "/admin/banks/970436",
    "/admin/settings",
    "/admin/channels",
    "/admin/audit",
]


@pytest.fixture
def admin(app):
    user = make_user(Role.ADMIN, email="tinh@example.vn", full_name="Quản trị tỉnh")
    db.session.commit()
    return user


def test_admin_pages_are_admin_only(client, admin):
    staff = make_user(Role.COMMUNE_STAFF, email="xa@example.vn")
    buyer = make_user(email="mua@example.vn")
    member = make_user(Role.COOPERATIVE, email="htx@example.vn")
    db.session.commit()
    assert client.get("/admin/banks").status_code == 302  # anonymous: login first
    for user in (staff, buyer, member):
        login(client, user)
        for url in ADMIN_PAGES:
            assert client.get(url).status_code == 403, (user.email, url)
        assert client.form_post("/admin/banks", {"bin": "970499", "short_name": "X", "name": "X"}).status_code == 403
        client.form_post("/logout")
    assert db.session.get(Bank, "970499") is None
    login(client, admin)
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 200, url


def test_admin_index_links_to_staff_creation(client, admin):
    login(client, admin)
    page = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/staff"' in page and 'href="/admin/audit"' in page


def test_communes_by_province_show_staff_accounts(client, admin):
    make_user(Role.COMMUNE_STAFF, email="canbo@example.vn", full_name="Lê Thị Hoa", commune_code=VAN_SON)
    make_cooperative(commune_code=VAN_SON)
    db.session.commit()
    login(client, admin)
    overview = client.get("/admin/communes").get_data(as_text=True)
    assert "Thanh Hóa" in overview
    page = client.get("/admin/communes?province=38&q=trieu son").get_data(as_text=True)
    assert "Xã Triệu Sơn" in page and "canbo@example.vn" in page
    assert "Xã Mường Lát" not in page
    assert client.get("/admin/communes?province=9999").status_code == 404


def test_bank_add_edit_deactivate_with_audit(client, admin):
    login(client, admin)
    created = client.form_post(
        "/admin/banks", {"bin": "970499", "short_name": "Ngân hàng Thử", "name": "Ngân hàng TMCP Thử"}
    )
    assert created.status_code == 302
    assert db.session.get(Bank, "970499").active
    duplicate = client.form_post("/admin/banks", {"bin": "970436", "short_name": "VCB", "name": "Trùng"})
    assert duplicate.status_code == 409 and "đã có trong danh sách" in duplicate.get_data(as_text=True)
    bad = client.form_post("/admin/banks", {"bin": "97A", "short_name": "X", "name": "Y"})
    assert bad.status_code == 422 and "6 chữ số" in bad.get_data(as_text=True)
    edited = client.form_post("/admin/banks/970499", {"short_name": "Thử", "name": "Ngân hàng Thử nghiệm"})
    assert edited.status_code == 302
    db.session.expire_all()
    bank = db.session.get(Bank, "970499")
    assert (bank.short_name, bank.active) == ("Thử", False)  # unchecked box: deactivated
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.object_type == "bank").order_by(AuditLog.id))
    assert list(actions) == ["bank.created", "bank.deactivated"]
    assert client.get("/admin/banks/000000").status_code == 404


@pytest.fixture
def agribank_restored(app):
    """Banks are reference data kept between tests: put Agribank back as it was after the test changes it."""
    bank = db.session.get(Bank, "970405")
    before = (bank.short_name, bank.name, bank.active)
    yield
    db.session.rollback()
    bank = db.session.get(Bank, "970405")
    bank.short_name, bank.name, bank.active = before
    db.session.commit()


def test_deactivated_bank_leaves_the_cooperative_picker(client, admin, agribank_restored):
    owner = make_user(Role.COOPERATIVE, email="chu@example.vn")
    db.session.commit()
    login(client, admin)
    client.form_post("/admin/banks/970405", {"short_name": "Agribank", "name": "Ngân hàng Nông nghiệp"})
    client.form_post("/logout")
    login(client, owner)
    page = client.get("/cooperative/settings").get_data(as_text=True)
    assert 'value="970405"' not in page and 'value="970436"' in page


def test_site_settings_are_validated_saved_and_audited(client, admin):
    login(client, admin)
    assert get_setting("site_name") == "Chợ OCOP" and get_int_setting("scan_warning_threshold") == 5
    bad = client.form_post(
        "/admin/settings",
        {"site_name": "Chợ OCOP Thanh Hóa", "support_phone": "12", "scan_warning_threshold": "mười"},
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "chưa lưu gì" in text and "Nhập một số nguyên từ 2 đến 1000" in text
    db.session.expire_all()
    assert get_setting("site_name") == "Chợ OCOP"  # nothing half-saved
    good = client.form_post(
        "/admin/settings",
        {
            "site_name": "Chợ OCOP Thanh Hóa",
            "support_phone": "0912 345 678",
            "support_email": "hotro@example.vn",
            "scan_warning_threshold": "8",
        },
    )
    assert good.status_code == 302
    db.session.expire_all()
    assert get_setting("site_name") == "Chợ OCOP Thanh Hóa"
    assert get_setting("support_phone") == "0912345678"
    assert get_int_setting("scan_warning_threshold") == 8
    entry = db.session.scalar(select(AuditLog).where(AuditLog.object_id == "scan_warning_threshold"))
    assert (entry.action, entry.actor_id) == ("settings.changed", admin.id)
    assert (entry.details["before"], entry.details["after"]) == ("5", "8")
    changed = db.session.scalars(select(AuditLog.object_id).where(AuditLog.action == "settings.changed"))
    assert sorted(changed) == ["scan_warning_threshold", "site_name", "support_email", "support_phone"]


def test_admin_verifies_any_cooperative(client, admin):
    cooperative = make_cooperative(name="HTX Chè Mường Lát", commune_code=MUONG_LAT, status=CooperativeStatus.PENDING)
    db.session.commit()
    login(client, admin)
    assert "HTX Chè Mường Lát" in client.get("/admin/cooperatives?status=waiting").get_data(as_text=True)
    assert "HTX Chè Mường Lát" in client.get("/admin/cooperatives?status=all&q=che muong").get_data(as_text=True)
    client.form_post(f"/admin/cooperatives/{cooperative.id}/verify", {"verified": "1"})
    db.session.expire_all()
    assert db.session.get(Cooperative, cooperative.id).verified_by_id == admin.id
    waiting_table = client.get("/admin/cooperatives?status=waiting").get_data(as_text=True).split("<table")[1]
    assert "HTX Chè Mường Lát" not in waiting_table


def test_audit_log_filters_and_pages(client, admin):
    staff = make_user(Role.COMMUNE_STAFF, email="xa@example.vn", full_name="Lê Thị Hoa")
    for n in range(55):
        record_audit(staff, "product.approved", "product", n, commune_code=VAN_SON)
    old = record_audit(admin, "payment.matched_by_hand", "payment", 7, amount_vnd=250_000)
    old.at = utcnow() - timedelta(days=40)
    record_audit(admin, "user.role_changed", "user", staff.id, commune_code=MUONG_LAT, before="buyer")
    db.session.commit()
    login(client, admin)
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "59 mục" in first and "Trang 1 / 2" in first  # with the two user.created entries
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "Ghép tay giao dịch chuyển khoản" in second and "250000" in second
    past_the_end = client.get("/admin/audit?page=99999999999999999999").get_data(as_text=True)
    assert "Trang 2 / 2" in past_the_end and "Ghép tay giao dịch chuyển khoản" in past_the_end
    by_action = client.get("/admin/audit?action=user.role_changed").get_data(as_text=True)
    assert ">1 mục<" in by_action and "Đổi vai trò tài khoản" in by_action
    assert ">3 mục<" in client.get("/admin/audit?action=user").get_data(as_text=True)  # user.* actions
    by_actor = client.get("/admin/audit?actor=hoa").get_data(as_text=True)
    assert ">55 mục<" in by_actor
    by_commune = client.get(f"/admin/audit?commune={MUONG_LAT}").get_data(as_text=True)
    assert ">1 mục<" in by_commune
    since = (utcnow() - timedelta(days=10)).date().isoformat()
    recent = client.get(f"/admin/audit?from={since}").get_data(as_text=True)
    assert ">58 mục<" in recent and "Ghép tay giao dịch chuyển khoản</td>" not in recent
    assert client.get("/admin/audit?from=hôm-qua").status_code == 400
    assert client.get("/admin/audit?commune=abc").status_code == 400
