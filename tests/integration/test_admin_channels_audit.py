"""Admin: the channel settings page, and the audit log showing payments matched by hand and role changes."""

from __future__ import annotations

import re

from sqlalchemy import select

from integrations.models import ListingState
from marketplace.extensions import db
from marketplace.models import Role, User
from orders.models import OrderStatus, Payment, PaymentStatus
from tests.factories import MUONG_LAT, VAN_SON, login, make_cooperative, make_product, make_user
from tests.factories.orders import bank_notification, make_checkout
from tests.factories.workspace import make_listing


def audit_rows(page: str) -> list[str]:
    """The audit table's rows as text, tags removed."""
    table = page.split('<table class="table audit">')[1].split("</table>")[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in table.split("<tr>")[2:]]


def counts(row: str) -> tuple[int, int, int]:
    """Listed, out of sync, exported, as the channel page shows them."""
    found = {k: int(v) for k, v in re.findall(r'<b class="([a-z-]+)">(\d+)</b>', row)}
    return found["listed"], found["out-of-sync"], found["exported"]


def test_channel_page_counts_listings_and_links_category_maps(client):
    admin = make_user(Role.ADMIN, email="tinh@example.vn")
    staff = make_user(Role.COMMUNE_STAFF, email="xa@example.vn")
    product = make_product(make_cooperative(commune_code=VAN_SON))
    other = make_product(make_cooperative(commune_code=MUONG_LAT))
    make_listing(product, "postmart", ListingState.LISTED)
    make_listing(other, "postmart", ListingState.OUT_OF_SYNC)
    make_listing(other, "voso", ListingState.EXPORTED)
    db.session.commit()
    login(client, staff)
    assert client.get("/admin/channels").status_code == 403
    client.form_post("/logout")
    login(client, admin)
    assert 'href="/admin/channels"' in client.get("/admin/").get_data(as_text=True)
    page = client.get("/admin/channels").get_data(as_text=True)
    postmart = page.split('id="kenh-postmart">')[1].split("</tr>")[0]
    assert "Postmart (Bưu điện Việt Nam)" in postmart
    assert counts(postmart) == (1, 1, 0)
    assert 'href="/cooperative/channels/postmart/categories"' in postmart
    assert counts(page.split('id="kenh-voso">')[1].split("</tr>")[0]) == (0, 0, 1)
    assert 'href="/feeds/google.xml"' in page and 'href="/feeds/facebook.csv"' in page
    assert client.get("/cooperative/channels/postmart/categories").status_code == 200


def test_payment_matched_by_hand_shows_in_the_audit_log(client):
    admin = make_user(Role.ADMIN, email="tinh@example.vn")
    cooperative = make_cooperative(commune_code=VAN_SON)
    seller = make_user(Role.COOPERATIVE, email="ketoan@example.vn", cooperative=cooperative)
    product = make_product(cooperative, price_vnd=100_000)
    order = make_checkout(make_user(), {product.id: 2}).orders[0]
    db.session.commit()
    payload = bank_notification("chuyen tien mua nam", order.total_vnd, cooperative.account_no)
    client.post("/webhooks/bank-transfer", json=payload, headers={"Authorization": "Apikey demo-bank-key"})
    payment = db.session.scalar(select(Payment))
    assert payment.status == PaymentStatus.UNMATCHED
    login(client, seller)
    client.form_post("/cooperative/reconciliation", {"payment_id": payment.id, "order_code": order.code})
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).order.status == OrderStatus.PAID
    client.form_post("/logout")

    login(client, admin)
    page = client.get(f"/admin/audit?action=payment&commune={VAN_SON}").get_data(as_text=True)
    assert ">1 mục<" in page
    [entry] = audit_rows(page)
    assert (
        "ketoan@example.vn" in entry
        and "Ghép giao dịch chuyển khoản vào đơn" in entry
        and f"Giao dịch #{payment.id}" in entry
    )
    assert f"Đơn hàng : {order.code}" in entry and f"Số tiền (đồng) : {order.total_vnd}" in entry


def test_revoking_a_staff_account_is_a_role_change_in_the_audit_log(client):
    admin = make_user(Role.ADMIN, email="tinh@example.vn")
    staff = make_user(Role.COMMUNE_STAFF, email="canbo@example.vn", commune_code=VAN_SON)
    db.session.commit()
    login(client, admin)
    page = client.get("/admin/communes?province=38&q=trieu son").get_data(as_text=True)
    assert f'action="/admin/staff/{staff.id}/revoke"' in page
    assert client.post(f"/admin/staff/{staff.id}/revoke").status_code == 400  # no CSRF token
    response = client.form_post(f"/admin/staff/{staff.id}/revoke")
    assert response.status_code == 302 and "province=38" in response.headers["Location"]
    db.session.expire_all()
    user = db.session.get(User, staff.id)
    assert (user.role, user.commune_code) == (Role.BUYER, None)
    assert client.form_post(f"/admin/staff/{staff.id}/revoke").status_code == 404  # no longer staff

    page = client.get("/admin/audit?action=user.role_changed&actor=tinh@").get_data(as_text=True)
    [entry] = audit_rows(page)
    assert "tinh@example.vn" in entry and f"Tài khoản #{staff.id}" in entry and "Xã Triệu Sơn, Thanh Hóa" in entry
    assert "Trước : cán bộ xã" in entry and "Sau : người mua" in entry
    client.form_post("/logout")
    login(client, "canbo@example.vn")
    assert client.get("/commune/").status_code == 403
