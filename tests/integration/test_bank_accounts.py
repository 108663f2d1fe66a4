"""Bank accounts that cannot be hijacked: a change waits for the commune, VietQR keeps each order's payee, a seller's
notification key pays only its own orders, and reconciliation goes by the account a transfer arrived in."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from marketplace import create_app
from marketplace.config import build_config
from marketplace.extensions import db
from marketplace.models import AuditLog, Cooperative, CooperativeStatus, CoopRole, Notice, Role
from marketplace.sellers import bank
from marketplace.sellers.models import BankAccountChange, BankChangeStatus
from orders.models import Order, OrderStatus, Payment, PaymentStatus
from orders.payments import get_gateway
from tests.factories import MUONG_LAT, login, make_cooperative, make_product, make_user
from tests.factories.orders import bank_notification, bearer, checkout_body, make_checkout

PLATFORM_KEY = {"Authorization": "Apikey demo-bank-key"}
NEW_ACCOUNT = {"bin": "970436", "account_no": "1234567890123", "account_name": "Hợp tác xã Nấm mèo Vạn Sơn"}


def _seller(**overrides):
    """A verified cooperative, its owner and a product on sale."""
    cooperative = make_cooperative(**overrides)
    owner = make_user(Role.COOPERATIVE, cooperative=cooperative, coop_role=CoopRole.OWNER)
    product = make_product(cooperative, price_vnd=100_000, stock=50)
    db.session.commit()
    return cooperative, owner, product


def _order(product, method: str = "vietqr") -> Order:
    order = make_checkout(make_user(), {product.id: 1}, method).orders[0]
    db.session.commit()
    return order


def _reload(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def _api_order(client, order: Order) -> dict:
    response = client.get(f"/api/v1/orders/{order.id}", headers=bearer(order.buyer))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["payment"]


def _notify(client, payload, headers=PLATFORM_KEY):
    return client.post("/webhooks/bank-transfer", json=payload, headers=headers)


def _seller_key(client, owner, cooperative) -> dict[str, str]:
    response = client.post(f"/api/v1/cooperatives/{cooperative.slug}/bank-webhook-key", headers=bearer(owner))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["webhook_url"] == "https://ocop.test/webhooks/bank-transfer"
    return {"Authorization": f"Apikey {body['key']}"}


def test_a_requested_change_is_not_used_by_vietqr_until_the_commune_verifies_it(client):
    cooperative, owner, product = _seller()
    old_account = cooperative.account_no
    staff = make_user(Role.COMMUNE_STAFF)
    other_staff = make_user(Role.COMMUNE_STAFF, commune_code=MUONG_LAT)
    db.session.commit()
    url = f"/api/v1/cooperatives/{cooperative.slug}/bank-account"

    assert client.put(url, json=NEW_ACCOUNT, headers=bearer(make_user())).status_code == 403
    response = client.put(url, json=NEW_ACCOUNT, headers=bearer(owner))
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["status"] == "pending" and body["account_no"] == NEW_ACCOUNT["account_no"]
    assert body["account_name"] == "HOP TAC XA NAM MEO VAN SON"
    assert body["before"]["account_no"] == old_account

    waiting = _order(product)
    payment = _api_order(client, waiting)
    assert payment["account_no"] == old_account and old_account in payment["qr_payload"]
    assert NEW_ACCOUNT["account_no"] not in payment["qr_payload"]

    login(client, staff)
    page = client.get("/commune/bank-changes").get_data(as_text=True)
    assert NEW_ACCOUNT["account_no"] in page and cooperative.name in page
    assert db.session.scalar(select(Notice.message).where(Notice.user_id == staff.id))

    assert client.post(f"{url}/verify", headers=bearer(other_staff)).status_code == 403
    verified = client.post(f"{url}/verify", headers=bearer(staff))
    assert verified.status_code == 200 and verified.get_json()["status"] == "verified"
    assert _reload(Cooperative, cooperative.id).account_no == NEW_ACCOUNT["account_no"]
    assert client.post(f"{url}/verify", headers=bearer(staff)).status_code == 404  # nothing left to verify

    after = _order(product)
    assert _api_order(client, after)["account_no"] == NEW_ACCOUNT["account_no"]
    messages = db.session.scalars(select(Notice.message).where(Notice.user_id == owner.id)).all()
    assert any(NEW_ACCOUNT["account_no"] in message for message in messages)
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert "bank_account.change_requested" in actions and "bank_account.change_verified" in actions
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "bank_account.change_verified"))
    assert entry.actor_id == staff.id
    assert entry.details["before"]["account_no"] == old_account
    assert entry.details["after"]["account_no"] == NEW_ACCOUNT["account_no"]


def test_an_order_waiting_for_money_keeps_its_payee_after_a_verified_change(client):
    cooperative, owner, product = _seller()
    old_account = cooperative.account_no
    staff = make_user(Role.COMMUNE_STAFF)
    db.session.commit()
    order = _order(product)
    url = f"/api/v1/cooperatives/{cooperative.slug}/bank-account"
    assert client.put(url, json=NEW_ACCOUNT, headers=bearer(owner)).status_code == 202
    assert client.post(f"{url}/verify", headers=bearer(staff)).status_code == 200

    payment = _api_order(client, order)
    assert payment["account_no"] == old_account and old_account in payment["qr_payload"]
    login(client, order.buyer)
    page = client.get(f"/orders/{order.code}/pay").get_data(as_text=True)
    assert old_account in page and NEW_ACCOUNT["account_no"] not in page
    assert client.get(f"/orders/{order.code}/qr.png").status_code == 200

    _notify(client, bank_notification(f"OCOP {order.code}", order.total_vnd, old_account))
    assert _reload(Order, order.id).status == OrderStatus.PAID


def test_a_new_request_replaces_the_pending_one(client):
    cooperative, owner, _product = _seller()
    url = f"/api/v1/cooperatives/{cooperative.slug}/bank-account"
    assert client.put(url, json=NEW_ACCOUNT, headers=bearer(owner)).status_code == 202
    second = {**NEW_ACCOUNT, "account_no": "9876543210"}
    assert client.put(url, json=second, headers=bearer(owner)).status_code == 202
    changes = db.session.scalars(select(BankAccountChange).order_by(BankAccountChange.id)).all()
    assert [c.status for c in changes] == [BankChangeStatus.REJECTED, BankChangeStatus.PENDING]
    assert changes[1].after_account_no == "9876543210"
    assert db.session.scalar(select(AuditLog.id).where(AuditLog.action == "bank_account.change_replaced"))


def test_an_account_verified_for_another_seller_is_refused_when_asked_and_when_verified(client):
    first, _first_owner, _p = _seller()
    second, second_owner, _p2 = _seller()
    third, third_owner, _p3 = _seller()
    staff = make_user(Role.COMMUNE_STAFF)
    db.session.commit()

    taken = {"bin": first.bank_bin, "account_no": first.account_no, "account_name": "X"}
    response = client.put(f"/api/v1/cooperatives/{second.slug}/bank-account", json=taken, headers=bearer(second_owner))
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "bank_account_taken"

    for cooperative, owner in ((second, second_owner), (third, third_owner)):
        url = f"/api/v1/cooperatives/{cooperative.slug}/bank-account"
        assert client.put(url, json=NEW_ACCOUNT, headers=bearer(owner)).status_code == 202
    assert (
        client.post(f"/api/v1/cooperatives/{third.slug}/bank-account/verify", headers=bearer(staff)).status_code == 200
    )
    refused = client.post(f"/api/v1/cooperatives/{second.slug}/bank-account/verify", headers=bearer(staff))
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "bank_account_taken"
    assert _reload(Cooperative, second.id).account_no != NEW_ACCOUNT["account_no"]

    rejected = client.post(
        f"/api/v1/cooperatives/{second.slug}/bank-account/reject",
        json={"reason": "Tài khoản đã thuộc người bán khác"},
        headers=bearer(staff),
    )
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"


def test_the_settings_form_asks_for_a_change_instead_of_changing_the_account(client):
    cooperative, owner, _product = _seller()
    old_account = cooperative.account_no
    login(client, owner)
    form = {
        "name": cooperative.name,
        "bank_bin": NEW_ACCOUNT["bin"],
        "account_no": NEW_ACCOUNT["account_no"],
        "account_holder": "HTX NAM MEO",
        "shipping_flat_vnd": "25000",
    }
    client.form_post("/cooperative/settings", form)
    cooperative = _reload(Cooperative, cooperative.id)
    assert cooperative.account_no == old_account and cooperative.shipping_flat_vnd == 25000
    page = client.get("/cooperative/settings").get_data(as_text=True)
    assert "Đang chờ xã xác nhận tài khoản mới" in page and NEW_ACCOUNT["account_no"] in page

    pending = make_cooperative(status=CooperativeStatus.PENDING)
    applicant = make_user(Role.COOPERATIVE, cooperative=pending, coop_role=CoopRole.OWNER)
    db.session.commit()
    client.form_post("/logout")
    login(client, applicant)
    client.form_post("/cooperative/settings", {**form, "name": pending.name, "account_no": "5556667778"})
    assert _reload(Cooperative, pending.id).account_no == "5556667778"  # verified together with the seller
    assert db.session.scalar(select(BankAccountChange.id).where(BankAccountChange.cooperative_id == pending.id)) is None


def test_a_seller_key_pays_only_that_sellers_orders_and_rotating_it_retires_the_old_one(client):
    cooperative, owner, product = _seller()
    order = _order(product)
    key = _seller_key(client, owner, cooperative)
    assert _reload(Cooperative, cooperative.id).bank_webhook_key_hash not in (None, key["Authorization"][7:])

    assert (
        _notify(
            client, bank_notification(f"OCOP {order.code}", order.total_vnd, cooperative.account_no), key
        ).status_code
        == 200
    )
    assert _reload(Order, order.id).status == OrderStatus.PAID
    assert db.session.scalar(select(Payment.cooperative_id)) == cooperative.id

    new_key = _seller_key(client, owner, cooperative)
    second = _order(product)
    payload = bank_notification(f"OCOP {second.code}", second.total_vnd, cooperative.account_no)
    assert _notify(client, payload, key).status_code == 401
    assert _notify(client, payload, {"Authorization": "Apikey unknown-key"}).status_code == 401
    assert _notify(client, payload, new_key).status_code == 200
    assert _reload(Order, second.id).status == OrderStatus.PAID


def test_seller_b_key_cannot_pay_seller_a_order(client):
    seller_a, owner_a, product_a = _seller()
    seller_b, owner_b, _product_b = _seller()
    order = _order(product_a)
    b_key = _seller_key(client, owner_b, seller_b)

    for account in (seller_a.account_no, seller_b.account_no):
        payload = bank_notification(f"OCOP {order.code}", order.total_vnd, account)
        assert _notify(client, payload, b_key).status_code == 200
    assert _reload(Order, order.id).status == OrderStatus.PENDING_PAYMENT
    payments = db.session.scalars(select(Payment)).all()
    assert {(p.status, p.cooperative_id, p.order_id) for p in payments} == {
        (PaymentStatus.UNMATCHED, seller_b.id, None)
    }

    login(client, owner_a)
    assert order.code not in client.get("/cooperative/reconciliation").get_data(as_text=True)
    client.form_post("/logout")
    login(client, owner_b)
    assert order.code in client.get("/cooperative/reconciliation").get_data(as_text=True)
    client.form_post("/cooperative/reconciliation", {"payment_id": payments[0].id, "order_code": order.code})
    assert _reload(Order, order.id).status == OrderStatus.PENDING_PAYMENT


def test_the_platform_key_pays_nothing_into_an_account_of_no_verified_seller(client):
    seller, owner, product = _seller()
    order = _order(product)
    applicant = make_cooperative(status=CooperativeStatus.PENDING, account_no="4445556667")
    db.session.commit()
    for account in (applicant.account_no, "999999999"):
        _notify(client, bank_notification(f"OCOP {order.code}", order.total_vnd, account))
    assert _reload(Order, order.id).status == OrderStatus.PENDING_PAYMENT
    assert set(db.session.scalars(select(Payment.cooperative_id)).all()) == {None}
    login(client, owner)
    assert order.code not in client.get("/cooperative/reconciliation").get_data(as_text=True)

    _notify(client, bank_notification(f"OCOP {order.code}", order.total_vnd, seller.account_no))
    assert _reload(Order, order.id).status == OrderStatus.PAID


def test_reconciliation_shows_transfers_into_the_sellers_account_at_the_time_they_arrived(client):
    cooperative, owner, _product = _seller()
    old_account = cooperative.account_no
    staff = make_user(Role.COMMUNE_STAFF)
    db.session.commit()
    _notify(client, bank_notification("tien hang thang truoc", 50_000, old_account))
    url = f"/api/v1/cooperatives/{cooperative.slug}/bank-account"
    assert client.put(url, json=NEW_ACCOUNT, headers=bearer(owner)).status_code == 202
    assert client.post(f"{url}/verify", headers=bearer(staff)).status_code == 200
    _notify(client, bank_notification("tien vao tai khoan moi", 60_000, NEW_ACCOUNT["account_no"]))

    # another seller now verified with the old account number sees nothing that arrived before it owned it
    newcomer = make_cooperative(bank_bin=cooperative.bank_bin, account_no=old_account)
    newcomer_owner = make_user(Role.COOPERATIVE, cooperative=newcomer)
    db.session.commit()

    login(client, owner)
    page = client.get("/cooperative/reconciliation").get_data(as_text=True)
    assert "tien hang thang truoc" in page and "tien vao tai khoan moi" in page
    client.form_post("/logout")
    login(client, newcomer_owner)
    page = client.get("/cooperative/reconciliation").get_data(as_text=True)
    assert "tien hang thang truoc" not in page and "tien vao tai khoan moi" not in page


def test_an_unverified_seller_gets_no_vietqr(client):
    cooperative, _owner, product = _seller()
    order = _order(product)
    cooperative.status = CooperativeStatus.PENDING
    db.session.commit()

    payment = _api_order(client, order)
    assert payment["qr_payload"] is None and "account_no" not in payment
    assert payment["error"]["code"] == "cooperative_unverified"
    assert get_gateway("vietqr").qr_payload(_reload(Order, order.id)) is None
    login(client, order.buyer)
    assert client.get(f"/orders/{order.code}/qr.png").status_code == 404
    page = client.get(f"/orders/{order.code}/pay").get_data(as_text=True)
    assert "chưa được xã xác minh" in page and cooperative.account_no not in page

    response = client.post("/api/v1/checkout", json=checkout_body({product.id: 1}), headers=bearer(make_user()))
    assert response.status_code == 409  # the checkout refuses a seller not yet verified before any gateway is asked
    assert response.get_json()["error"]["code"] == "cooperative_unverified"


def test_production_refuses_the_demo_bank_key(app, client, tmp_path, monkeypatch):
    """create_app stops before it touches anything shared; unset, the platform key path is off."""
    production = {"INSTANCE_PATH": str(tmp_path), "OCOP_ENV": "production", "TRACE_CHAIN_KEY": "k" * 48}
    for key in ("demo-bank-key", "short"):
        with pytest.raises(RuntimeError, match="BANK_WEBHOOK_API_KEY"):
            create_app({**production, "BANK_WEBHOOK_API_KEY": key})
    monkeypatch.delenv("BANK_WEBHOOK_API_KEY", raising=False)
    assert build_config(production)["BANK_WEBHOOK_API_KEY"] is None

    seller, _owner, product = _seller()
    order = _order(product)
    monkeypatch.setitem(app.config, "BANK_WEBHOOK_API_KEY", None)
    payload = bank_notification(f"OCOP {order.code}", order.total_vnd, seller.account_no)
    assert _notify(client, payload).status_code == 401
    assert _notify(client, payload, {"Authorization": "Apikey "}).status_code == 401
    assert _reload(Order, order.id).status == OrderStatus.PENDING_PAYMENT


def test_the_settings_page_shows_a_new_key_once_and_staff_decide_on_their_page(client):
    cooperative, owner, product = _seller()
    staff = make_user(Role.COMMUNE_STAFF)
    other_staff = make_user(Role.COMMUNE_STAFF, commune_code=MUONG_LAT)
    db.session.commit()
    login(client, owner)
    page = client.form_post("/cooperative/settings/bank-webhook-key").get_data(as_text=True)
    key = re.search(r'<code id="webhook-key">([^<]+)</code>', page).group(1)
    assert "https://ocop.test/webhooks/bank-transfer" in page and f"Authorization: Apikey {key}" in page
    assert key not in client.get("/cooperative/settings").get_data(as_text=True)
    order = _order(product)
    payload = bank_notification(f"OCOP {order.code}", order.total_vnd, cooperative.account_no)
    assert _notify(client, payload, {"Authorization": f"Apikey {key}"}).status_code == 200
    assert _reload(Order, order.id).status == OrderStatus.PAID

    client.form_post(
        "/cooperative/settings", {"name": cooperative.name, "bank_bin": "970436", "account_no": "1112223334"}
    )
    assert bank.pending_change_json(_reload(Cooperative, cooperative.id))["account_no"] == "1112223334"
    client.form_post("/logout")
    login(client, other_staff)
    assert "1112223334" not in client.get("/commune/bank-changes").get_data(as_text=True)
    client.form_post(f"/commune/bank-changes/{cooperative.id}", {"decision": "verify"})
    assert _reload(Cooperative, cooperative.id).account_no != "1112223334"
    client.form_post("/logout")
    login(client, staff)
    assert "1112223334" in client.get("/commune/bank-changes").get_data(as_text=True)
    client.form_post(f"/commune/bank-changes/{cooperative.id}", {"decision": "reject"})  # a reason is needed
    assert bank.pending_change(_reload(Cooperative, cooperative.id)) is not None
    client.form_post(
        f"/commune/bank-changes/{cooperative.id}", {"decision": "reject", "reason": "Chủ HTX không xin đổi"}
    )
    cooperative = _reload(Cooperative, cooperative.id)
    assert bank.pending_change(cooperative) is None and cooperative.account_no != "1112223334"
    notices = db.session.scalars(select(Notice.message).where(Notice.user_id == owner.id)).all()
    assert any("Chủ HTX không xin đổi" in message for message in notices)
