"""Cooperative desk and buyer pages: moves with history, carriers, packing slip, permissions, expiry CLI, demo."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import func, select

from catalog.models import Product
from marketplace.extensions import db
from marketplace.models import Role
from marketplace.text import utcnow
from orders.models import Order, OrderStatus, Payment
from tests.factories import login, make_cooperative, make_product, make_user
from tests.factories.orders import make_checkout


def _cod_order(stock: int = 10):
    coop = make_cooperative()
    seller = make_user(Role.COOPERATIVE, cooperative=coop)
    buyer = make_user()
    product = make_product(coop, stock=stock, name="Nấm mèo sấy lạnh")
    order = make_checkout(buyer, {product.id: 2}, "cod").orders[0]
    db.session.commit()
    return order, seller, buyer


def _status(order: Order) -> OrderStatus:
    db.session.expire_all()
    return db.session.get(Order, order.id).status


def test_cod_order_moves_through_the_desk_and_both_sides_see_the_history(app, client):
    order, seller, buyer = _cod_order()
    login(client, seller)
    desk = client.get("/cooperative/orders?status=awaiting_confirmation").get_data(as_text=True)
    assert order.code in desk
    client.form_post(f"/cooperative/orders/{order.code}/confirm")
    assert _status(order) == OrderStatus.CONFIRMED
    refused = client.form_post(f"/cooperative/orders/{order.code}/ship", {"carrier": "vnpost", "tracking_no": ""})
    assert refused.status_code == 302 and _status(order) == OrderStatus.CONFIRMED
    client.form_post(f"/cooperative/orders/{order.code}/ship", {"carrier": "viettelpost", "tracking_no": "VTP123456"})
    assert _status(order) == OrderStatus.SHIPPED
    slip = client.get(f"/cooperative/orders/{order.code}/packing-slip.pdf")
    assert slip.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(slip.data)).pages[0].extract_text()
    assert order.code in text and "Nấm mèo sấy lạnh" in text and "Người nhận" in text
    client.form_post(f"/cooperative/orders/{order.code}/deliver")
    db.session.expire_all()
    delivered = db.session.get(Order, order.id)
    assert delivered.status == OrderStatus.DELIVERED and delivered.paid_vnd == delivered.total_vnd
    assert db.session.scalar(select(Payment.gateway)) == "cod"
    seller_page = client.get(f"/cooperative/orders/{order.code}").get_data(as_text=True)
    client.form_post("/logout")
    login(client, buyer)
    buyer_page = client.get(f"/orders/{order.code}").get_data(as_text=True)
    for page in (seller_page, buyer_page):
        assert "Đã xác nhận" in page and "Đang giao" in page and "Viettel Post VTP123456" in page
    client.form_post(f"/orders/{order.code}/received")
    assert _status(order) == OrderStatus.COMPLETED


def test_strangers_get_404(client):
    order, _seller, _buyer = _cod_order()
    other_seller = make_user(Role.COOPERATIVE)
    other_buyer = make_user()
    db.session.commit()
    login(client, other_seller)
    assert client.get(f"/cooperative/orders/{order.code}").status_code == 404
    assert client.form_post(f"/cooperative/orders/{order.code}/confirm").status_code == 404
    assert client.get(f"/cooperative/orders/{order.code}/packing-slip.pdf").status_code == 404
    client.form_post("/logout")
    login(client, other_buyer)
    assert client.get(f"/orders/{order.code}").status_code == 404
    assert client.form_post(f"/orders/{order.code}/cancel").status_code == 404
    assert client.get(f"/orders/{order.code}/qr.png").status_code == 404
    assert _status(order) == OrderStatus.AWAITING_CONFIRMATION


def test_buyer_cancels_then_reorders(client):
    order, _seller, buyer = _cod_order(stock=3)
    product_id = order.lines[0].product_id
    login(client, buyer)
    client.form_post(f"/orders/{order.code}/cancel", {"confirm": "1"})
    assert _status(order) == OrderStatus.CANCELLED
    assert db.session.scalar(select(Product.stock).where(Product.id == product_id)) == 3
    client.form_post(f"/orders/{order.code}/reorder")
    assert "Nấm mèo sấy lạnh" in client.get("/cart").get_data(as_text=True)
    assert order.code in client.get("/orders/").get_data(as_text=True)


def test_buyer_cannot_cancel_after_confirmation(client):
    order, seller, buyer = _cod_order()
    login(client, seller)
    client.form_post(f"/cooperative/orders/{order.code}/confirm")
    client.form_post("/logout")
    login(client, buyer)
    page = client.form_post(f"/orders/{order.code}/cancel", {"confirm": "1"}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "không thể tự huỷ" in page and _status(order) == OrderStatus.CONFIRMED


def test_expire_orders_cli_returns_stock(app):
    product = make_product(stock=4)
    order = make_checkout(make_user(), {product.id: 4}).orders[0]
    order.expires_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["expire-orders"])
    assert result.exit_code == 0 and "1" in result.output
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.CANCELLED
    assert db.session.get(Product, product.id).stock == 4


def test_demo_orders_are_idempotent(app):
    from marketplace.demo import seed
    from orders.demo import PLAN

    seed()  # the catalogue seeder publishes the demo products first, so orders can be made
    db.session.commit()
    states = set(db.session.scalars(select(Order.status)))
    assert db.session.scalar(select(func.count()).select_from(Order)) == len(PLAN)
    assert {OrderStatus.PAID, OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.PENDING_PAYMENT} <= states
    seed()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Order)) == len(PLAN)


def test_the_desk_lists_only_the_sellers_own_orders_in_the_states_asked(client):
    first, first_seller, _buyer = _cod_order()
    second, second_seller, _other = _cod_order()
    for seller, mine, theirs in ((first_seller, first, second), (second_seller, second, first)):
        login(client, seller)
        for url in ("/cooperative/orders", "/cooperative/orders?status=awaiting_confirmation"):
            desk = client.get(url).get_data(as_text=True)
            assert mine.code in desk and theirs.code not in desk
        assert mine.code not in client.get("/cooperative/orders?status=shipped").get_data(as_text=True)
        both = client.get("/cooperative/orders?status=shipped&status=awaiting_confirmation").get_data(as_text=True)
        assert mine.code in both and theirs.code not in both
        client.form_post("/logout")
