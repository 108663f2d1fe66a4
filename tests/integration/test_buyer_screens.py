"""The buyer's screens on a phone: messages in Vietnamese beside their fields, a returning buyer's communes, a
two-cooperative payment in one sequence with a status URL, and cancelling only after a second step."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Role
from marketplace.text import utcnow
from orders.models import Order, OrderStatus
from tests.factories import LIEN_SON, login, make_cooperative, make_product, make_user
from tests.factories.orders import bank_notification, make_checkout
from tests.factories.workspace import make_order

from .test_checkout import _checkout_form

API_KEY = {"Authorization": "Apikey demo-bank-key"}


def _status(order: Order) -> OrderStatus:
    db.session.expire_all()
    return OrderStatus(db.session.scalar(select(Order.status).where(Order.id == order.id)))


def test_empty_checkout_says_what_is_missing_in_vietnamese_next_to_each_field(client):
    product = make_product(stock=5)
    login(client, make_user())
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 1})
    form = {**_checkout_form(client), "name": "", "phone": "", "address": "", "province": "", "commune": ""}
    page = client.form_post("/checkout", form)
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "This field is required." not in text
    assert text.count("Vui lòng điền mục này.") == 3  # name, phone, address
    picker = text[text.index('for="commune"') : text.index('for="address"')]
    assert "Chọn xã/phường nhận hàng." in picker  # the commune's message sits in the picker, not at the top


def test_wtforms_messages_follow_the_language_of_the_page(client):
    client.get("/lang/en")
    page = client.form_post("/login", {"email": "", "password": ""}).get_data(as_text=True)
    assert "This field is required." in page and "Vui lòng điền mục này." not in page
    client.get("/lang/vi")
    page = client.form_post("/login", {"email": "khong-phai-email", "password": ""}).get_data(as_text=True)
    assert "Địa chỉ e-mail không hợp lệ." in page and "Invalid email address." not in page


def test_returning_buyer_gets_last_delivery_with_the_commune_list_of_its_province(client):
    product = make_product(stock=5)
    buyer = make_user()
    make_checkout(buyer, {product.id: 1}, method="cod")
    db.session.commit()
    login(client, buyer)
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 1})
    page = client.get("/checkout").get_data(as_text=True)
    assert 'value="Số 12 ngõ 34"' in page
    assert re.search(rf'<option value="{LIEN_SON}" selected>Xã Liên Sơn</option>', page)


def test_commune_mismatch_is_reported_beside_the_picker(client):
    product = make_product(stock=5)
    login(client, make_user())
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 1})
    page = client.form_post("/checkout", {**_checkout_form(client), "province": "38"})  # Thanh Hóa ≠ Liên Sơn
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    picker = text[text.index('for="commune"') : text.index('for="address"')]
    assert "Chọn xã/phường nhận hàng." in picker


def _two_cooperative_checkout(client):
    coop_a, coop_b = make_cooperative(), make_cooperative()
    a, b = make_product(coop_a, stock=4, price_vnd=90_000), make_product(coop_b, stock=4, price_vnd=40_000)
    buyer = make_user()
    db.session.commit()
    login(client, buyer)
    client.form_post("/cart/add", {"product_id": a.id, "quantity": 1})
    client.form_post("/cart/add", {"product_id": b.id, "quantity": 1})
    placed = client.form_post("/checkout", _checkout_form(client))
    first, second = db.session.scalars(select(Order).order_by(Order.id)).all()
    return placed, first, second


def test_two_cooperative_payment_is_one_sequence_and_the_status_url_marks_each_paid(client):
    placed, first, second = _two_cooperative_checkout(client)
    page = client.get(placed.headers["Location"])
    text = page.get_data(as_text=True)
    assert "Refresh" not in page.headers and "Bước 1/2" in text and "Bước 2/2" in text
    for order in (first, second):
        assert f"OCOP {order.code}" in text and order.cooperative.account_no in text
        assert f"/orders/{order.code}/qr.svg" in text
    status = client.get(f"/orders/{first.code}/pay/status").get_json()
    assert [o["paid"] for o in status["orders"]] == [False, False] and status["all_paid"] is False
    notice = bank_notification(f"OCOP{first.code}", first.total_vnd, first.cooperative.account_no)
    assert client.post("/webhooks/bank-transfer", json=notice, headers=API_KEY).status_code == 200
    status = client.get(f"/orders/{first.code}/pay/status").get_json()
    assert [(o["code"], o["paid"]) for o in status["orders"]] == [(first.code, True), (second.code, False)]
    assert status["orders"][0]["status_label"] == "Đã thanh toán" and status["all_paid"] is False
    reloaded = client.get(f"/orders/{first.code}/pay")  # without JavaScript: reload goes on to the next transfer
    assert reloaded.status_code == 302 and reloaded.headers["Location"].endswith(f"/orders/{second.code}/pay")
    after = client.get(reloaded.headers["Location"]).get_data(as_text=True)
    assert "Đã nhận tiền cho đơn này." in after and f"OCOP {second.code}" in after


def test_status_url_is_only_for_the_buyer(client):
    _placed, first, _second = _two_cooperative_checkout(client)
    client.form_post("/logout")
    login(client, make_user())
    assert client.get(f"/orders/{first.code}/pay/status").status_code == 404


def test_buyer_cancel_needs_a_second_step(client):
    product = make_product(stock=3)
    buyer = make_user()
    order = make_checkout(buyer, {product.id: 1}, method="cod").orders[0]
    db.session.commit()
    login(client, buyer)
    detail = client.get(f"/orders/{order.code}").get_data(as_text=True)
    assert f'href="/orders/{order.code}/cancel"' in detail  # a link to the question, not a one-tap button
    question = client.form_post(f"/orders/{order.code}/cancel")
    text = question.get_data(as_text=True)
    assert question.status_code == 200 and "Bạn chắc chắn muốn huỷ đơn" in text and 'name="confirm" value="1"' in text
    assert _status(order) == OrderStatus.AWAITING_CONFIRMATION
    assert "Bạn chắc chắn" in client.get(f"/orders/{order.code}/cancel").get_data(as_text=True)
    client.form_post(f"/orders/{order.code}/cancel", {"confirm": "1", "reason": "Đặt nhầm"})
    assert _status(order) == OrderStatus.CANCELLED


def test_cooperative_cancelling_a_paid_order_is_warned_of_the_refund_first(client):
    product = make_product(stock=3)
    seller = make_user(Role.COOPERATIVE, cooperative=product.cooperative)
    order = make_checkout(make_user(), {product.id: 1}).orders[0]
    db.session.commit()
    notice = bank_notification(f"OCOP{order.code}", order.total_vnd, order.cooperative.account_no)
    client.post("/webhooks/bank-transfer", json=notice, headers=API_KEY)
    assert _status(order) == OrderStatus.PAID
    login(client, seller)
    question = client.form_post(f"/cooperative/orders/{order.code}/cancel").get_data(as_text=True)
    assert "Bạn chắc chắn muốn huỷ đơn" in question and "chờ hoàn tiền" in question
    assert _status(order) == OrderStatus.PAID
    client.form_post(f"/cooperative/orders/{order.code}/cancel", {"confirm": "1", "reason": "Hết hàng"})
    assert _status(order) == OrderStatus.REFUND_REQUESTED


def test_product_page_sells_like_a_shop(client):
    coop = make_cooperative(phone="+84912345678")
    coop.shipping_flat_vnd, coop.shipping_per_kg_vnd = 20_000, 5_000
    product = make_product(coop, name="Mật ong bạc hà", stock=5, weight_g=1500)
    siblings = [make_product(coop, name=f"Chè shan tuyết {i}") for i in range(7)]
    make_product(make_cooperative(), name="Gạo của nơi khác")
    db.session.commit()
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "Thêm vào giỏ" in page and 'name="buy_now" value="1"' in page and "Mua ngay" in page
    assert 'href="tel:0912345678"' in page and 'href="https://zalo.me/0912345678"' in page
    assert "Phí giao hàng: <b>30.000\u00a0₫</b>" in page  # 20.000 flat + 2 started kg × 5.000, as checkout charges
    assert "Dự kiến nhận hàng" in page
    others = page[page.index(f"Sản phẩm khác của {coop.name}") :]
    assert others.count('class="tile"') == 6 and "Gạo của nơi khác" not in others
    assert siblings[-1].name in others and "Mật ong bạc hà" not in others


def test_buy_now_adds_to_the_cart_and_goes_to_checkout(client):
    product = make_product(stock=5)
    login(client, make_user())
    response = client.form_post("/cart/add", {"product_id": product.id, "quantity": 2, "buy_now": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/checkout")
    checkout = client.get("/checkout").get_data(as_text=True)
    assert "Đặt hàng" in checkout and product.cooperative.name in checkout


def test_header_badge_counts_the_units_in_the_cart_for_guests_and_buyers(client):
    a, b = make_product(stock=9), make_product(stock=9)
    db.session.commit()
    assert "data-cart-count" not in client.get("/cart").get_data(as_text=True)
    client.form_post("/cart/add", {"product_id": a.id, "quantity": 2})
    assert re.search(r"data-cart-count>2<", client.get("/").get_data(as_text=True))
    login(client, make_user())  # the guest cart merges into the account
    client.form_post("/cart/add", {"product_id": b.id, "quantity": 3})
    assert re.search(r"data-cart-count>5<", client.get("/cart").get_data(as_text=True))


def test_cart_rows_carry_labels_for_the_stacked_phone_layout_and_a_real_remove_button(client):
    product = make_product(stock=9)
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 1})
    page = client.get("/cart").get_data(as_text=True)
    assert 'class="table stack"' in page and 'data-label="Thành tiền"' in page
    assert re.search(r'<button type="submit" name="remove" value="\d+" class="secondary remove"', page)
    assert "data-autosubmit" in page and "Cập nhật số lượng" in page  # saves on change; the button stays for no-JS


def test_the_page_after_placing_tells_the_browser_to_forget_the_checkout_draft(client):
    product = make_product(stock=5)
    login(client, make_user())
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 1})
    assert 'data-draft-clear="checkout"' not in client.get("/cart").get_data(as_text=True)
    placed = client.form_post("/checkout", {**_checkout_form(client), "payment_method": "cod"}, follow_redirects=True)
    assert 'data-draft-clear="checkout"' in placed.get_data(as_text=True)
    assert 'data-draft-clear="checkout"' not in client.get("/orders/").get_data(as_text=True)  # once only


def test_my_orders_come_twenty_a_page_newest_first(client):
    buyer = make_user(Role.BUYER)
    product = make_product()
    start = utcnow() - timedelta(days=30)
    codes = [make_order(buyer, {product: 1}, OrderStatus.DELIVERED, start + timedelta(hours=n)).code for n in range(25)]
    db.session.commit()
    login(client, buyer)
    first = client.get("/orders/").get_data(as_text=True)
    assert all(code in first for code in codes[-20:]) and not any(code in first for code in codes[:5])
    assert first.index(codes[-1]) < first.index(codes[-2])  # newest first
    assert "Trang 1 / 2" in first and 'rel="next" href="/orders/?page=2"' in first
    second = client.get("/orders/?page=2").get_data(as_text=True)
    assert all(code in second for code in codes[:5]) and codes[5] not in second
    assert client.get("/orders/?page=99").status_code == 200  # past the end: the last page
