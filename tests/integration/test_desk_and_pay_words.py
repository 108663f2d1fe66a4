"""What round 2 of the screen audit fixed: goods returns and refunds ask "Bạn chắc chắn…?" first (without
JavaScript), payment names and plain words instead of codes, units in the reader's language, and the MoMo and card
pay pages showing a two-cooperative checkout as one "Bước 1/2" sequence like VietQR's."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Role
from marketplace.services import record_audit
from orders.models import Order, Refund
from tests.factories import login, make_cooperative, make_product, make_user
from tests.factories.orders import bearer, checkout_body

from . import test_momo, test_stripe
from .test_money_states import _delivered, _reload, _setup, _stock, _text

localstripe_url, stripe_app = test_stripe.localstripe_url, test_stripe.stripe_app
fake_momo, momo_app = test_momo.fake_momo, test_momo.momo_app


def _refunded(client, order: Order, seller) -> None:
    """Delivered, then cancelled into a refund by the seller and refunded: the goods are still with the buyer."""
    _delivered(client, order, seller)
    client.form_post(f"/cooperative/orders/{order.code}/cancel", {"reason": "Hàng dập", "confirm": "1"})
    refund = {"confirm": "1", "amount_vnd": str(order.total_vnd), "method": "bank_transfer", "reference": "FT26R1"}
    assert client.form_post(f"/cooperative/orders/{order.code}/refunds", refund).status_code == 302


def test_a_return_asks_first_and_only_the_confirmation_puts_goods_back(client):
    order, seller, _buyer, product_id = _setup(stock=10, quantity=3)
    _refunded(client, order, seller)
    line_id = _reload(order).lines[0].id
    asked = client.form_post(f"/cooperative/orders/{order.code}/return", {f"line-{line_id}": "2"})
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and f"Nhận hàng trả lại vào kho cho đơn {order.code}?" in text
    assert "Nấm mèo sấy lạnh" in text and "2 kg" in text and "Có, nhận hàng trả lại" in text
    assert f'name="line-{line_id}" value="2"' in text and 'name="confirm" value="1"' in text
    assert _stock(product_id) == 7  # nothing moved yet
    done = client.form_post(f"/cooperative/orders/{order.code}/return", {"confirm": "1", f"line-{line_id}": "2"})
    assert done.status_code == 302 and _stock(product_id) == 9


def test_a_return_that_cannot_happen_is_refused_before_the_question(client):
    order, seller, _buyer, _product_id = _setup(stock=10, quantity=2)
    login(client, seller)
    line_id = order.lines[0].id
    refused = client.form_post(f"/cooperative/orders/{order.code}/return", {f"line-{line_id}": "1"})
    assert refused.status_code == 409 and "hàng vẫn trong kho" in refused.get_data(as_text=True)
    assert "Có, nhận hàng trả lại" not in refused.get_data(as_text=True)


def test_a_refund_asks_first_with_the_amount_and_moves_no_money_until_confirmed(client):
    order, seller, _buyer, _product_id = _setup(stock=10, quantity=1)
    _delivered(client, order, seller)
    client.form_post(f"/cooperative/orders/{order.code}/cancel", {"reason": "Hàng dập", "confirm": "1"})
    url = f"/cooperative/orders/{order.code}/refunds"
    form = {"amount_vnd": "50000", "method": "bank_transfer", "reference": "FT26R2", "reason": "Thiếu hàng"}
    asked = client.form_post(url, form)
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Hoàn 50.000" in text and "chuyển khoản" in text and "FT26R2" in text
    assert db.session.scalar(select(func.count(Refund.id))) == 0
    bad = client.form_post(url, {**form, "amount_vnd": "không"})
    assert bad.status_code == 422 and "Nhập số tiền hoàn (đồng)." in bad.get_data(as_text=True)
    assert client.form_post(url, {**form, "confirm": "1"}).status_code == 302
    assert db.session.scalar(select(func.count(Refund.id))) == 1


def test_desk_shows_payment_names_and_settings_speak_plainly(client):
    order, seller, _buyer, _product_id = _setup()
    login(client, seller)
    desk = _text(client, "/cooperative/orders")
    assert ">vietqr<" not in desk and "VietQR" in desk
    assert "Thanh toán: vietqr" not in _text(client, f"/cooperative/orders/{order.code}")
    settings = _text(client, "/cooperative/settings")
    assert "Webhook" not in settings and "Địa chỉ để SePay/Casso gửi thông báo" in settings


def test_admin_audit_filters_by_commune_name_not_code(client):
    order, seller, _buyer, _product_id = _setup()
    record_audit(seller, "order.confirmed", "order", order.id, commune_code=order.cooperative.commune_code)
    db.session.commit()
    login(client, make_user(Role.ADMIN))
    page = _text(client, "/admin/audit")
    assert "Mã xã" not in page
    commune = order.cooperative.commune
    assert f'<option value="{commune.code}">{commune.full_name}</option>' in page
    filtered = _text(client, f"/admin/audit?commune={commune.code}")
    assert f'<option value="{commune.code}" selected>' in filtered


def test_units_read_in_english_in_cart_checkout_and_orders(client):
    coop = make_cooperative()
    seller = make_user(Role.COOPERATIVE, cooperative=coop)
    product = make_product(coop, stock=5, unit="hộp", name="Trà shan tuyết")
    buyer = make_user()
    db.session.commit()
    login(client, buyer)
    client.get("/lang/en")
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 2})
    cart = _text(client, "/cart")
    assert "/box" in cart and "/hộp" not in cart
    assert "× 2 box" in _text(client, "/checkout")
    response = client.post("/api/v1/checkout", json=checkout_body({product.id: 2}, "cod"), headers=bearer(buyer))
    code = response.get_json()["orders"][0]["code"]
    assert "2 box" in _text(client, f"/orders/{code}")
    client.form_post("/logout")
    login(client, seller)
    client.get("/lang/en")
    assert "2 box" in _text(client, f"/cooperative/orders/{code}")


def _two_cooperative_codes(client, method: str) -> list[str]:
    a, b = make_product(make_cooperative(), stock=4), make_product(make_cooperative(), stock=4, price_vnd=40_000)
    buyer = make_user()
    db.session.commit()
    login(client, buyer)
    response = client.post("/api/v1/checkout", json=checkout_body({a.id: 1, b.id: 1}, method), headers=bearer(buyer))
    assert response.status_code == 201, response.get_json()
    return [order["code"] for order in response.get_json()["orders"]]


def test_momo_pay_page_shows_both_orders_as_steps(momo_app, client, fake_momo):
    first, second = _two_cooperative_codes(client, "momo")
    text = _text(client, f"/orders/{first}/pay")
    assert "Bước 1/2" in text and "Bước 2/2" in text
    assert f'data-pay-step="{first}"' in text and f'data-pay-step="{second}"' in text
    assert text.count("Mở trang thanh toán MoMo") == 2  # each order has its own MoMo payment
    assert "Đơn khác cần thanh toán" not in text


def test_card_pay_page_shows_both_orders_as_steps_with_the_form_on_the_current_one(stripe_app, client):
    first, second = _two_cooperative_codes(client, "stripe")
    text = _text(client, f"/orders/{first}/pay")
    assert "Bước 1/2" in text and "Bước 2/2" in text and text.count('id="stripe-form"') == 1
    assert f'href="/orders/{second}/pay"' in text
