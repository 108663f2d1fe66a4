"""Buying without an account: a guest's cash-on-delivery order waits for the code sent to the phone, and so does any
order to a number that already has an account (it would land there); a new number's VietQR order is placed at once;
the signed link shows the order (a tampered one finds nothing); signing in later with the phone shows the orders;
saved addresses (several, one default) are offered at checkout and kept on the account page."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Address, Role, User
from marketplace.services import set_account_phone
from orders.models import Order, OrderStatus
from tests.factories import login, make_cooperative, make_product, make_user
from tests.factories.phones import fresh_phone, national, outbox_code, outbox_messages

LIEN_SON, PHU_THO = "4960", "25"


def _form(client, phone: str, method: str = "cod", **extra) -> dict:
    page = client.get("/checkout")
    assert page.status_code == 200, page.headers.get("Location")
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    form = {
        "token": token,
        "name": "Lò Văn Pấng",
        "phone": national(phone),
        "address": "Bản Pá Khôm",
        "province": PHU_THO,
        "commune": LIEN_SON,
        "note": "",
        "payment_method": method,
        "action": "place",
    }
    form.update(extra)
    return form


def _orders_of(phone: str) -> list[Order]:
    return list(db.session.scalars(select(Order).join(User, User.id == Order.buyer_id).where(User.phone == phone)))


def test_a_guest_cash_on_delivery_order_is_placed_only_after_the_code(app, client):
    product = make_product(make_cooperative(), stock=5, price_vnd=80_000)
    make_user(Role.COOPERATIVE, cooperative=product.cooperative)
    db.session.commit()
    phone = fresh_phone()
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 2})
    asked = client.form_post("/checkout", _form(client, phone))
    assert asked.status_code == 302 and asked.headers["Location"].endswith("/checkout/confirm")
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0  # nothing placed without the code
    page = client.get("/checkout/confirm").get_data(as_text=True)
    assert "Gửi lại mã sau" in page and "Bản Pá Khôm" in page
    code = outbox_code(phone)
    wrong = client.form_post("/checkout/confirm", {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 401 and "còn 4 lần thử" in wrong.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    placed = client.form_post("/checkout/confirm", {"code": code})
    assert placed.status_code == 302 and placed.headers["Location"].endswith("/checkout/placed")
    [order] = _orders_of(phone)
    assert order.payment_method == "cod" and order.ship_name == "Lò Văn Pấng"
    buyer = db.session.get(User, order.buyer_id)
    assert buyer.email is None and buyer.phone_verified_at is not None and buyer.role == Role.BUYER
    confirmation = client.get("/checkout/placed").get_data(as_text=True)
    link = re.search(r'href="(https://ocop\.test/orders/[^"]+)" class="order-link"', confirmation).group(1)
    assert order.code in link and "t=" in link
    assert link in outbox_messages(phone)  # the same link by SMS/Zalo
    assert "Giỏ hàng đang trống" in client.get("/cart").get_data(as_text=True)


def test_a_guest_vietqr_order_needs_no_code_and_its_link_shows_the_payment(app, client):
    product = make_product(stock=5)
    db.session.commit()
    phone = fresh_phone()
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 1})
    placed = client.form_post("/checkout", _form(client, phone, "vietqr"))
    assert placed.status_code == 302 and placed.headers["Location"].endswith("/checkout/placed")
    [order] = _orders_of(phone)
    assert order.status == OrderStatus.PENDING_PAYMENT
    confirmation = client.get("/checkout/placed").get_data(as_text=True)
    pay = re.search(r'href="(/orders/[^"]+/pay\?t=[^"]+)"', confirmation).group(1).replace("&amp;", "&")
    stranger = app.test_client()
    payment = stranger.get(pay)
    text = payment.get_data(as_text=True)
    assert payment.status_code == 200 and f"OCOP {order.code}" in text
    qr = re.search(r'src="(/orders/[^"]+/qr\.svg\?t=[^"]+)"', text).group(1).replace("&amp;", "&")
    assert stranger.get(qr).status_code == 200


def test_a_guest_order_to_a_number_with_an_account_waits_for_the_code_whatever_the_payment(app, client):
    product = make_product(stock=5)
    owner = make_user(full_name="Đặng Thị Hoa")
    phone = fresh_phone()
    set_account_phone(owner, national(phone))  # typed as people do; kept as E.164
    db.session.commit()
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 1})
    asked = client.form_post("/checkout", _form(client, phone, "vietqr"))
    assert asked.status_code == 302 and asked.headers["Location"].endswith("/checkout/confirm")
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0  # nothing lands in the account yet
    page = client.get("/checkout/confirm").get_data(as_text=True)
    assert "Xác nhận số điện thoại" in page and "chỉ người giữ số mới đặt được" in page
    assert "trả tiền khi nhận hàng" not in page  # the VietQR order is not told it is cash on delivery
    # someone without the phone: a wrong code places nothing (no order anywhere, so none in the account)
    code = outbox_code(phone)
    wrong = client.form_post("/checkout/confirm", {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 401
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    # the holder of the phone enters the code: the order is placed in their account, waiting for the transfer
    placed = client.form_post("/checkout/confirm", {"code": code})
    assert placed.status_code == 302 and placed.headers["Location"].endswith("/checkout/placed")
    [order] = _orders_of(phone)
    assert order.buyer_id == owner.id and order.payment_method == "vietqr"
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert re.search(r'href="/orders/[^"]+/pay\?t=', client.get("/checkout/placed").get_data(as_text=True))
    holder = app.test_client()
    login(holder, owner)
    assert order.code in holder.get("/orders/").get_data(as_text=True)


def test_a_new_number_paying_online_places_at_once_and_cash_on_delivery_still_asks(app, client):
    products = [make_product(stock=5) for _ in range(2)]
    db.session.commit()
    phone = fresh_phone()
    client.form_post("/cart/add", {"product_id": products[0].id, "quantity": 1})
    placed = client.form_post("/checkout", _form(client, phone, "vietqr"))
    assert placed.status_code == 302 and placed.headers["Location"].endswith("/checkout/placed")
    assert len(_orders_of(phone)) == 1
    # the number now has an account (made by that order): the next order, even by VietQR, asks for the code
    client.form_post("/cart/add", {"product_id": products[1].id, "quantity": 1})
    asked = client.form_post("/checkout", _form(client, phone, "vietqr"))
    assert asked.status_code == 302 and asked.headers["Location"].endswith("/checkout/confirm")
    assert len(_orders_of(phone)) == 1
    other = app.test_client()
    other.form_post("/cart/add", {"product_id": products[1].id, "quantity": 1})
    cod = other.form_post("/checkout", _form(other, fresh_phone(), "cod"))
    assert cod.status_code == 302 and cod.headers["Location"].endswith("/checkout/confirm")


def test_the_signed_link_works_without_sign_in_and_a_tampered_one_is_404(app, client):
    product = make_product(stock=5)
    db.session.commit()
    phone = fresh_phone()
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 1})
    client.form_post("/checkout", _form(client, phone, "vietqr"))
    [order] = _orders_of(phone)
    link = re.search(r"https://ocop\.test(/orders/\S+)", outbox_messages(phone)).group(1)
    stranger = app.test_client()
    shown = stranger.get(link)
    assert shown.status_code == 200 and order.code in shown.get_data(as_text=True)
    token = link.split("t=", 1)[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert stranger.get(f"/orders/{order.code}?t={tampered}").status_code == 404
    other = make_product(stock=5)
    db.session.commit()
    client.form_post("/cart/add", {"product_id": other.id, "quantity": 1})
    client.form_post("/checkout", _form(client, fresh_phone(), "vietqr"))
    newest = db.session.scalar(select(Order).where(Order.id != order.id))
    assert stranger.get(f"/orders/{newest.code}?t={token}").status_code == 404  # a link opens its own order only
    assert stranger.get(f"/orders/{order.code}").status_code == 302  # no link, no session: sign in


def test_signing_in_later_with_the_phone_shows_the_guest_orders(app, client):
    product = make_product(stock=5)
    db.session.commit()
    phone = fresh_phone()
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 1})
    client.form_post("/checkout", _form(client, phone, "vietqr"))
    [order] = _orders_of(phone)
    browser = app.test_client()
    browser.form_post("/login/phone", {"phone": phone})
    browser.form_post("/login/phone/code", {"code": outbox_code(phone)})
    mine = browser.get("/orders/").get_data(as_text=True)
    assert order.code in mine
    assert browser.get(f"/orders/{order.code}").status_code == 200


def test_saved_addresses_are_offered_at_checkout_and_kept_on_the_account(app, client):
    buyer = make_user()
    products = [make_product(stock=5) for _ in range(2)]
    db.session.commit()
    login(client, buyer)
    client.form_post("/cart/add", {"product_id": products[0].id, "quantity": 1})
    form = _form(client, "+84912345678", "cod", save_address="1", name="Trần Minh Anh", address="Số 12 ngõ 34")
    assert client.form_post("/checkout", form).status_code == 302  # a signed-in buyer needs no code
    [first] = db.session.scalars(select(Address).where(Address.user_id == buyer.id)).all()
    assert first.is_default and first.address == "Số 12 ngõ 34"
    added = client.form_post(
        "/account/addresses/new",
        {
            "name": "Trần Văn Bình",
            "phone": "0987 654 321",
            "address": "Thôn Đồng Tâm",
            "province": PHU_THO,
            "commune": LIEN_SON,
            "is_default": "y",
            "action": "save",
        },
    )
    assert added.status_code == 302
    second = db.session.scalar(select(Address).where(Address.address == "Thôn Đồng Tâm"))
    db.session.refresh(first)
    assert second.is_default and not first.is_default and second.phone == "0987654321"
    client.form_post("/cart/add", {"product_id": products[1].id, "quantity": 1})
    page = client.get("/checkout").get_data(as_text=True)
    assert 'value="Thôn Đồng Tâm"' in page and "Số 12 ngõ 34" in page  # the default filled in, the other offered
    picked = client.get(f"/checkout?address={first.id}").get_data(as_text=True)
    assert 'value="Số 12 ngõ 34"' in picked
    account = client.get("/account/").get_data(as_text=True)
    assert "Thôn Đồng Tâm" in account and "Số 12 ngõ 34" in account
    client.form_post(f"/account/addresses/{first.id}/default")
    db.session.refresh(first)
    assert first.is_default
    client.form_post(f"/account/addresses/{first.id}/delete")
    db.session.expire_all()
    remaining = db.session.scalars(select(Address).where(Address.user_id == buyer.id)).all()
    assert [a.address for a in remaining] == ["Thôn Đồng Tâm"] and remaining[0].is_default
    # another account's address cannot be touched
    other = make_user()
    theirs = Address(user_id=other.id, name="X", phone="0912345678", address="Y", commune_code=int(LIEN_SON))
    db.session.add(theirs)
    db.session.commit()
    assert client.form_post(f"/account/addresses/{theirs.id}/delete").status_code == 404
    assert client.get(f"/account/addresses/{theirs.id}").status_code == 404
