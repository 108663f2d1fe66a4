"""Money states that add up: under-paid orders wait for a refund, late money is kept and can reopen an order,
goods that left come back into stock only when returned, gateway events act only on the order's own payment, and
the VietQR image works for the API client that got its URL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from catalog.models import Product
from marketplace.extensions import db
from marketplace.models import AuditLog, Notice, Role
from marketplace.text import format_vnd, utcnow
from orders.models import Order, OrderStatus, Payment, PaymentStatus
from orders.tasks import expire_unpaid_orders
from tests.factories import login, make_cooperative, make_product, make_user
from tests.factories.orders import bank_notification, bearer, checkout_body, make_checkout
from tests.fakes.momo_server import send_ipn, signed_ipn

from . import test_momo, test_stripe
from .test_stripe import _event, _pay_with_card, _signed, _stripe

# the same fixtures as there: a localstripe server and the fake MoMo, and the app configured for each
localstripe_url, stripe_app = test_stripe.localstripe_url, test_stripe.stripe_app
fake_momo, momo_app = test_momo.fake_momo, test_momo.momo_app

KEY = {"Authorization": "Apikey demo-bank-key"}


def _setup(stock: int = 10, quantity: int = 2, method: str = "vietqr"):
    """A seller, a buyer and one order of `quantity` units at 100.000 ₫."""
    coop = make_cooperative()
    seller = make_user(Role.COOPERATIVE, cooperative=coop)
    buyer = make_user()
    product = make_product(coop, stock=stock, price_vnd=100_000, name="Nấm mèo sấy lạnh")
    order = make_checkout(buyer, {product.id: quantity}, method).orders[0]
    db.session.commit()
    return order, seller, buyer, product.id


def _pay(client, order: Order, amount: int, note: str = "") -> None:
    payload = bank_notification(f"OCOP {order.code} {note}".strip(), amount, order.cooperative.account_no)
    assert client.post("/webhooks/bank-transfer", json=payload, headers=KEY).status_code == 200


def _reload(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def _stock(product_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Product.stock).where(Product.id == product_id))


def _text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_under_paid_then_cancelled_by_the_buyer_waits_for_a_refund_with_the_amount_shown(client):
    order, seller, buyer, product_id = _setup(stock=5)
    _pay(client, order, 50_000)
    headers = bearer(buyer)
    db.session.commit()
    answer = client.post(f"/api/v1/orders/{order.id}/cancel", headers=headers)
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["status"] == "refund_requested" and data["paid_vnd"] == 50_000
    assert data["history"][-1]["note"] == f"Đã nhận {format_vnd(50_000)} — chờ hoàn tiền"
    assert _stock(product_id) == 5  # nothing shipped: the reserved units are back
    login(client, buyer)
    buyer_page = _text(client, f"/orders/{order.code}")
    client.form_post("/logout")
    login(client, seller)
    seller_page = _text(client, f"/cooperative/orders/{order.code}")
    for page in (buyer_page, seller_page):
        assert "Chờ hoàn tiền" in page
        assert f"Đã nhận {format_vnd(50_000)} trên tổng {format_vnd(order.total_vnd)}" in page


def test_under_paid_order_can_be_cancelled_by_the_seller(client):
    order, seller, _buyer, _product_id = _setup()
    _pay(client, order, 50_000)
    login(client, seller)
    assert "Huỷ đơn" in _text(client, f"/cooperative/orders/{order.code}")
    client.form_post(f"/cooperative/orders/{order.code}/cancel", {"reason": "Khách không chuyển đủ", "confirm": "1"})
    order = _reload(order)
    assert order.status == OrderStatus.REFUND_REQUESTED and order.paid_vnd == 50_000
    assert order.history[-1].note == f"Khách không chuyển đủ, đã nhận {format_vnd(50_000)} — chờ hoàn tiền"


def test_under_paid_then_expired_waits_for_a_refund_and_says_why(client):
    order, _seller, buyer, product_id = _setup(stock=5)
    _pay(client, order, 50_000)
    unpaid, *_rest = _setup(stock=5)
    for each in (_reload(order), _reload(unpaid)):
        each.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert expire_unpaid_orders() == 2
    order = _reload(order)
    assert order.status == OrderStatus.REFUND_REQUESTED and order.paid_vnd == 50_000
    assert order.history[-1].note == f"Quá hạn thanh toán, đã nhận {format_vnd(50_000)} — chờ hoàn tiền"
    assert _reload(unpaid).status == OrderStatus.CANCELLED  # nothing received: plainly cancelled
    assert _stock(product_id) == 5
    data = client.get(f"/api/v1/orders/{order.id}", headers=bearer(buyer)).get_json()
    assert data["status"] == "refund_requested" and data["paid_vnd"] == 50_000


def test_late_payment_is_kept_late_and_the_seller_is_told_to_refund_or_reopen(client):
    order, seller, _buyer, _product_id = _setup()
    order.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expire_unpaid_orders()
    _pay(client, order, order.total_vnd)
    order = _reload(order)
    assert order.status == OrderStatus.CANCELLED and order.paid_vnd == 0
    assert db.session.scalar(select(Payment.status)) == PaymentStatus.LATE
    notices = db.session.scalars(
        select(Notice.message).where(Notice.user_id == seller.id, Notice.kind == "order.late_payment")
    ).all()
    assert notices == [
        f"Nhận {format_vnd(order.total_vnd)} cho đơn {order.code} đã huỷ/hết hạn: "
        "hãy hoàn tiền cho người mua hoặc mở lại đơn."
    ]
    login(client, seller)
    page = _text(client, f"/cooperative/orders/{order.code}")
    assert "Tiền đến muộn" in page and format_vnd(order.total_vnd) in page
    assert "Mở lại đơn" in page and "Hoàn tiền cho người mua" in page


def test_late_money_is_given_back_by_a_recorded_refund_and_the_order_stays_cancelled(client):
    order, seller, _buyer, _product_id = _setup()
    order.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expire_unpaid_orders()
    _pay(client, order, order.total_vnd)
    login(client, seller)
    page = _text(client, f"/cooperative/orders/{order.code}")
    assert 'id="refunds"' in page  # the refund form is there for money that came too late
    url = f"/cooperative/orders/{order.code}/refunds"
    too_much = client.form_post(url, {"confirm": "1", "amount_vnd": str(order.total_vnd + 1), "reference": "FT26LATE1"})
    assert too_much.status_code == 422
    done = client.form_post(url, {"confirm": "1", "amount_vnd": str(order.total_vnd), "reference": "FT26LATE1"})
    assert done.status_code == 302
    order = _reload(order)
    assert order.status == OrderStatus.CANCELLED and order.paid_vnd == 0
    assert db.session.scalar(select(Payment.status)) == PaymentStatus.REFUNDED
    assert f"Đã hoàn {format_vnd(order.total_vnd)} / {format_vnd(order.total_vnd)}" in _text(
        client, f"/cooperative/orders/{order.code}"
    )


def test_seller_reopens_an_expired_order_when_late_money_covers_it_and_stock_is_there(client):
    order, seller, buyer, product_id = _setup(stock=5, quantity=2)
    order.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expire_unpaid_orders()
    assert _stock(product_id) == 5
    _pay(client, order, order.total_vnd)
    login(client, seller)
    answer = client.form_post(f"/cooperative/orders/{order.code}/reopen")
    assert answer.status_code == 302
    order = _reload(order)
    assert order.status == OrderStatus.PAID and order.paid_vnd == order.total_vnd
    assert [p.status for p in order.payments] == [PaymentStatus.APPLIED]
    assert _stock(product_id) == 3  # reserved again
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.actor_id == seller.id)) == "order.reopened"
    data = client.get(f"/api/v1/orders/{order.id}", headers=bearer(buyer)).get_json()
    assert data["status"] == "paid" and [e["to"] for e in data["history"]][-2:] == ["cancelled", "paid"]


def test_under_paid_expired_order_is_reopened_when_the_rest_arrives_late(client):
    order, seller, buyer, product_id = _setup(stock=5, quantity=2)
    _pay(client, order, 50_000)
    order = _reload(order)
    order.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expire_unpaid_orders()
    rest = order.total_vnd - 50_000
    _pay(client, order, rest, "bo sung")
    login(client, buyer)
    assert f"Tiền chuyển đến sau khi đơn đã huỷ hoặc hết hạn: {format_vnd(rest)}" in _text(
        client, f"/orders/{order.code}"
    )
    client.form_post("/logout")
    login(client, seller)
    client.form_post(f"/cooperative/orders/{order.code}/reopen")
    order = _reload(order)
    assert order.status == OrderStatus.PAID and order.paid_vnd == order.total_vnd
    assert [e.to_status for e in order.history] == ["pending_payment", "refund_requested", "paid"]
    assert _stock(product_id) == 3


def test_reopen_without_stock_is_a_clear_409_and_changes_nothing(client):
    order, seller, _buyer, product_id = _setup(stock=2, quantity=2)
    order.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expire_unpaid_orders()
    _pay(client, order, order.total_vnd)
    other = make_checkout(make_user(), {product_id: 1}).orders[0]  # one of the two units is sold again
    db.session.commit()
    assert other.id and _stock(product_id) == 1
    login(client, seller)
    answer = client.form_post(f"/cooperative/orders/{order.code}/reopen")
    assert answer.status_code == 409
    assert "không đủ hàng để mở lại đơn (còn 1)" in answer.get_data(as_text=True)
    order = _reload(order)
    assert order.status == OrderStatus.CANCELLED and order.paid_vnd == 0
    assert db.session.scalar(select(Payment.status)) == PaymentStatus.LATE
    assert _stock(product_id) == 1


def test_reopen_needs_late_money_covering_the_total(client):
    order, seller, _buyer, _product_id = _setup()
    login(client, seller)
    client.form_post(f"/cooperative/orders/{order.code}/cancel", {"confirm": "1"})
    _pay(client, order, 10_000)
    assert "Mở lại đơn" not in _text(client, f"/cooperative/orders/{order.code}")
    answer = client.form_post(f"/cooperative/orders/{order.code}/reopen")
    assert answer.status_code == 409 and "hãy hoàn tiền cho người mua" in answer.get_data(as_text=True)
    assert _reload(order).status == OrderStatus.CANCELLED


def _delivered(client, order: Order, seller) -> None:
    _pay(client, order, order.total_vnd)
    login(client, seller)
    client.form_post(f"/cooperative/orders/{order.code}/confirm")
    client.form_post(f"/cooperative/orders/{order.code}/ship", {"carrier": "vnpost", "tracking_no": "EB123456789VN"})
    client.form_post(f"/cooperative/orders/{order.code}/deliver")
    assert _reload(order).status == OrderStatus.DELIVERED


def test_delivered_order_refunded_without_a_return_keeps_stock_then_a_return_of_two_puts_two_back(client):
    order, seller, buyer, product_id = _setup(stock=10, quantity=3)
    _delivered(client, order, seller)
    assert _stock(product_id) == 7
    client.form_post(f"/cooperative/orders/{order.code}/cancel", {"reason": "Hàng dập", "confirm": "1"})
    refund = {"confirm": "1", "amount_vnd": str(order.total_vnd), "method": "bank_transfer", "reference": "FT26REFUND1"}
    assert client.form_post(f"/cooperative/orders/{order.code}/refunds", refund).status_code == 302
    assert _reload(order).status == OrderStatus.REFUNDED
    assert _stock(product_id) == 7  # the goods are with the buyer: nothing comes back by itself
    page = _text(client, f"/cooperative/orders/{order.code}")
    assert "Nhận hàng trả lại" in page
    line = _reload(order).lines[0]
    answer = client.form_post(f"/cooperative/orders/{order.code}/return", {"confirm": "1", f"line-{line.id}": "2"})
    assert answer.status_code == 302
    assert _stock(product_id) == 9
    order = _reload(order)
    assert order.lines[0].returned_qty == 2
    assert order.history[-1].note == "Nhận hàng trả lại: Nấm mèo sấy lạnh × 2"
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "order.returned")) == "order.returned"
    too_many = client.form_post(f"/cooperative/orders/{order.code}/return", {f"line-{line.id}": "2"})
    assert too_many.status_code == 422 and "nhận trả được từ 0 đến 1" in too_many.get_data(as_text=True)
    assert _stock(product_id) == 9  # each unit comes back once
    client.form_post(f"/cooperative/orders/{order.code}/return", {"confirm": "1", f"line-{line.id}": "1"})
    assert _stock(product_id) == 10 and _reload(order).lines[0].returned_qty == 3
    client.form_post("/logout")
    login(client, buyer)
    assert "đã nhận trả 3" in _text(client, f"/orders/{order.code}")


def test_returns_are_the_sellers_and_only_for_goods_that_left(client):
    order, seller, buyer, product_id = _setup(stock=10, quantity=2)
    line_id = order.lines[0].id
    login(client, seller)
    refused = client.form_post(f"/cooperative/orders/{order.code}/return", {f"line-{line_id}": "1"})
    assert refused.status_code == 409 and "hàng vẫn trong kho" in refused.get_data(as_text=True)
    assert _stock(product_id) == 8
    client.form_post("/logout")
    other_seller = make_user(Role.COOPERATIVE)
    db.session.commit()
    login(client, other_seller)
    assert client.form_post(f"/cooperative/orders/{order.code}/return", {f"line-{line_id}": "1"}).status_code == 404
    client.form_post("/logout")
    login(client, buyer)
    assert client.form_post(f"/cooperative/orders/{order.code}/return", {f"line-{line_id}": "1"}).status_code in (
        302,
        403,
    )
    assert _stock(product_id) == 8 and _reload(order).lines[0].returned_qty == 0


def test_order_cancelled_before_shipping_still_releases_stock(client):
    order, seller, _buyer, product_id = _setup(stock=10, quantity=2)
    _pay(client, order, order.total_vnd)
    login(client, seller)
    client.form_post(f"/cooperative/orders/{order.code}/confirm")
    client.form_post(f"/cooperative/orders/{order.code}/cancel", {"confirm": "1"})
    assert _reload(order).status == OrderStatus.REFUND_REQUESTED
    assert _stock(product_id) == 10


def _stripe_order(client, product_id: int) -> tuple[dict, dict]:
    headers = bearer(make_user())
    response = client.post("/api/v1/checkout", json=checkout_body({product_id: 1}, "stripe"), headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["orders"][0], headers


def test_stripe_event_naming_a_vietqr_order_is_ignored(stripe_app, client, localstripe_url):
    order, _seller, buyer, _product_id = _setup()
    intent = _stripe(localstripe_url).v1.payment_intents.create(
        params={
            "amount": order.total_vnd,
            "currency": "vnd",
            "metadata": {"order_id": str(order.id), "order_code": order.code},
        }
    )
    paid = _pay_with_card(localstripe_url, intent.id)
    body, signed = _signed(_event("payment_intent.succeeded", paid))
    answer = client.post("/webhooks/stripe", data=body, headers=signed)
    assert answer.status_code == 200 and answer.get_json()["outcome"] == "ignored"
    data = client.get(f"/api/v1/orders/{order.id}", headers=bearer(buyer)).get_json()
    assert data["status"] == "pending_payment" and data["paid_vnd"] == 0 and data["payments"] == []
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0


def test_stripe_event_for_another_payment_intent_is_ignored(stripe_app, client, localstripe_url):
    product = make_product(price_vnd=125_000, stock=5)
    order, headers = _stripe_order(client, product.id)
    # an intent made outside checkout, naming this card order in its metadata, paid in full
    other = _stripe(localstripe_url).v1.payment_intents.create(
        params={
            "amount": order["total_vnd"],
            "currency": "vnd",
            "metadata": {"order_id": str(order["id"]), "order_code": order["code"]},
        }
    )
    paid = _pay_with_card(localstripe_url, other.id)
    for kind in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        body, signed = _signed(_event(kind, paid))
        assert client.post("/webhooks/stripe", data=body, headers=signed).status_code == 200
    data = client.get(f"/api/v1/orders/{order['id']}", headers=headers).get_json()
    assert data["status"] == "pending_payment" and data["paid_vnd"] == 0 and data["payments"] == []
    # the order's own intent still pays it
    own = _pay_with_card(localstripe_url, order["payment"]["payment_intent_id"])
    body, signed = _signed(_event("payment_intent.succeeded", own))
    assert client.post("/webhooks/stripe", data=body, headers=signed).get_json()["outcome"] == "paid"
    assert client.get(f"/api/v1/orders/{order['id']}", headers=headers).get_json()["status"] == "paid"


def test_momo_ipn_counts_only_for_the_orders_own_attempt(momo_app, client, fake_momo):
    vietqr_order, _seller, buyer, _product_id = _setup()
    product = make_product(price_vnd=79_000, stock=5)
    momo_buyer = make_user()
    headers = bearer(momo_buyer)
    db.session.commit()
    placed = client.post("/api/v1/checkout", json=checkout_body({product.id: 1}, "momo"), headers=headers)
    order = placed.get_json()["orders"][0]
    [created] = fake_momo.created
    # a genuine, signed IPN whose orderId we never sent for a MoMo order (it names the VietQR order)
    foreign = signed_ipn({**created, "orderId": f"{vietqr_order.code}-0a1b2c3d"}, trans_id=4088870001)
    assert send_ipn(client, foreign).status_code == 204
    data = client.get(f"/api/v1/orders/{vietqr_order.id}", headers=bearer(buyer)).get_json()
    assert data["status"] == "pending_payment" and data["payments"] == []
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
    assert send_ipn(client, signed_ipn(created, trans_id=4088870002)).status_code == 204
    assert client.get(f"/api/v1/orders/{order['id']}", headers=headers).get_json()["status"] == "paid"


def test_qr_image_url_works_for_the_api_client_with_its_token_and_not_for_strangers(client):
    product = make_product(stock=5)
    buyer, stranger = make_user(), make_user()
    headers, stranger_headers = bearer(buyer), bearer(stranger)
    db.session.commit()
    response = client.post("/api/v1/checkout", json=checkout_body({product.id: 1}), headers=headers)
    url = response.get_json()["orders"][0]["payment"]["qr_image_url"]
    assert url.endswith(".png")
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    image = client.get(path, headers=headers)
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get(path).status_code == 404
    assert client.get(path, headers=stranger_headers).status_code == 404
    assert client.get(path, headers={"Authorization": "Bearer not-a-token"}).status_code == 404
    login(client, buyer)
    assert client.get(path).mimetype == "image/png"  # the browser session still works
