"""What real users and attackers send to the public surface. Every case answers a 4xx with a clear message
(Vietnamese, or the JSON error shape) and leaves the database exactly as it was."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog import services as catalog_services
from catalog.models import Product
from marketplace.extensions import db
from marketplace.models import Cooperative, CoopRole, Role
from orders.models import CartItem, Order
from tests.factories import PASSWORD, VAN_SON, login, make_cooperative, make_product, make_user
from tests.factories.catalog import jpeg_bytes, make_draft, product_data
from tests.factories.orders import bearer, checkout_body, make_checkout

SCRIPT = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert("
CSRF_MESSAGE = "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ."


def database_state() -> dict:
    """Row counts of every table plus the rows a bad request could try to change."""
    state: dict = {}
    for table in db.metadata.sorted_tables:
        state[table.name] = db.session.scalar(select(func.count()).select_from(table))
    state["products"] = db.session.execute(
        select(Product.id, Product.name, Product.description, Product.stock, Product.status).order_by(Product.id)
    ).all()
    state["orders"] = db.session.execute(
        select(Order.id, Order.status, Order.paid_vnd, Order.carrier).order_by(Order.id)
    ).all()
    state["cart"] = db.session.execute(
        select(CartItem.user_id, CartItem.product_id, CartItem.quantity).order_by(CartItem.id)
    ).all()
    state["cooperatives"] = db.session.execute(
        select(Cooperative.id, Cooperative.name, Cooperative.description, Cooperative.address).order_by(Cooperative.id)
    ).all()
    return state


@contextmanager
def nothing_changes() -> Iterator[None]:
    db.session.commit()
    before = database_state()
    yield
    db.session.rollback()
    after = database_state()
    changed = {k for k in before if before[k] != after[k]}
    assert not changed, f"bad input changed {sorted(changed)}"


def json_error(response, status: int, code: str | None = None) -> str:
    """The response is `status` with the API's error shape and a message; returns the message."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    error = response.get_json()["error"]
    assert error["message"].strip(), error
    if code:
        assert error["code"] == code, error
    return error["message"]


def page_error(response, status: int, message: str) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, text[:500])
    assert message in text, text[:3000]


@pytest.fixture
def shop():
    """Two cooperatives with a product each, a seller for the first, and a buyer."""
    coop_a, coop_b = make_cooperative(), make_cooperative(commune_code=VAN_SON)
    seller_a = make_user(Role.COOPERATIVE, cooperative=coop_a, coop_role=CoopRole.OWNER)
    seller_b = make_user(Role.COOPERATIVE, cooperative=coop_b, coop_role=CoopRole.OWNER)
    product_a = make_product(coop_a, stock=10, price_vnd=100_000)
    product_b = make_product(coop_b, stock=10, price_vnd=50_000)
    buyer = make_user()
    db.session.commit()
    return {
        "a": coop_a,
        "b": coop_b,
        "seller_a": seller_a,
        "seller_b": seller_b,
        "product_a": product_a,
        "product_b": product_b,
        "buyer": buyer,
    }


# --- malformed JSON ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/checkout", "/api/v1/products", "/api/v1/auth/token", "/api/v1/products/1/reject"]
)
def test_malformed_json_is_a_json_4xx(client, shop, url):
    headers = {**bearer(shop["seller_a"]), "Content-Type": "application/json"}
    with nothing_changes():
        for body in ('{"items": [', "null", "[1, 2]", '"text"', "\xff\xfe", "{" * 5000):
            response = client.post(url, data=body.encode("latin-1"), headers=headers)
            # a seller may not reject products: 403 comes before the body is read (tests/security)
            expected = (403,) if url.endswith("/reject") else (400, 422)
            assert response.status_code in expected, (body[:20], response.get_data(as_text=True)[:300])
            json_error(response, response.status_code)


def test_malformed_bank_notification_is_refused_and_records_nothing(app, client):
    headers = {"Authorization": f"Apikey {app.config['BANK_WEBHOOK_API_KEY']}", "Content-Type": "application/json"}
    with nothing_changes():
        for body in ('{"id": ', "[]", '{"content": "OCOP OC123456"}', json.dumps({"id": 1, "transferAmount": "lots"})):
            response = client.post("/webhooks/bank-transfer", data=body, headers=headers)
            assert response.status_code == 422, body
            assert response.get_json()["error"]["message"] in ("Thiếu mã giao dịch.", "Số tiền không hợp lệ.")


# --- huge bodies ---------------------------------------------------------------------------------------------


def test_body_over_the_size_limit_is_413(app, client, shop, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    headers = bearer(shop["buyer"])
    body = checkout_body({shop["product_a"].id: 1})
    body["shipping"]["note"] = "x" * 100_000
    with nothing_changes():
        message = json_error(client.post("/api/v1/checkout", json=body, headers=headers), 413)
        assert "quá lớn" in message.lower()
        login(client, shop["seller_a"])
        page = client.form_post(
            "/cooperative/products/new", {**product_data(), "photos": (jpeg_bytes_io(200_000), "to.jpg")}
        )
        assert page.status_code == 413 and "quá lớn" in page.get_data(as_text=True).lower()


def jpeg_bytes_io(size: int):
    return io.BytesIO(jpeg_bytes() + b"\0" * size)


def test_oversized_text_fields_are_422_not_truncated_silently(client, shop):
    seller, buyer = bearer(shop["seller_a"]), bearer(shop["buyer"])
    with nothing_changes():
        response = client.post("/api/v1/products", json={**product_data(), "name": "Nấm " * 5000}, headers=seller)
        json_error(response, 422)
        body = checkout_body({shop["product_a"].id: 1}, address="Thôn " * 1000)
        json_error(client.post("/api/v1/checkout", json=body, headers=buyer), 422)


# --- quantities ----------------------------------------------------------------------------------------------

BAD_QUANTITIES = [-1, 0, 1000, 10**9, 2**63, 10**30, "ba", "1e3", None, 1.5, [1], {"n": 1}]


def test_checkout_refuses_bad_quantities(client, shop):
    headers = bearer(shop["buyer"])
    with nothing_changes():
        for quantity in BAD_QUANTITIES:
            body = checkout_body({shop["product_a"].id: 1})
            body["items"][0]["quantity"] = quantity
            message = json_error(client.post("/api/v1/checkout", json=body, headers=headers), 422)
            assert message, quantity


def test_cart_refuses_bad_quantities(client, shop):
    login(client, shop["buyer"])
    product = shop["product_a"]
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 1})
    with nothing_changes():
        for quantity in ("-5", "0", "1000", "99999999999999999999999", "ba", "1e3", ""):
            added = client.form_post("/cart/add", {"product_id": product.id, "quantity": quantity})
            page_error(added, 422, "Số lượng phải từ 1 đến 999.")
            if quantity not in ("0", ""):
                update = client.form_post("/cart/update", {f"qty-{product.id}": quantity})
                page_error(update, 422, "Số lượng phải từ 1 đến 999.")


def test_checkout_for_more_than_the_stock_reserves_nothing(client, shop):
    body = checkout_body({shop["product_a"].id: 1, shop["product_b"].id: 11})
    headers = bearer(shop["buyer"])
    with nothing_changes():
        message = json_error(client.post("/api/v1/checkout", json=body, headers=headers), 409)
        assert shop["product_b"].name in message


# --- unknown ids ---------------------------------------------------------------------------------------------


def test_unknown_products_in_checkout_and_cart(client, shop):
    headers = bearer(shop["buyer"])
    login(client, shop["buyer"])
    with nothing_changes():
        for product_id in (987654, 2**63, 10**30, -1, "abc"):
            body = checkout_body({shop["product_a"].id: 1})
            body["items"].append({"product_id": product_id, "quantity": 1})
            response = client.post("/api/v1/checkout", json=body, headers=headers)
            assert response.status_code in (404, 409, 422), product_id
            json_error(response, response.status_code)
            added = client.form_post("/cart/add", {"product_id": product_id, "quantity": 1})
            if product_id == "abc":
                page_error(added, 422, "Sản phẩm không hợp lệ.")
            else:
                page_error(added, 404, "Sản phẩm không còn được bán.")
            update = client.form_post("/cart/update", {f"qty-{product_id}": "2"})
            assert update.status_code in (302, 404), product_id  # a non-numeric key is ignored


def test_unknown_ids_are_404_with_a_message(client, shop):
    headers = bearer(shop["buyer"])
    login(client, shop["buyer"])
    with nothing_changes():
        for url in (
            "/api/v1/products/987654",
            "/api/v1/products/99999999999999999999999",
            "/api/v1/orders/987654",
            "/api/v1/orders/99999999999999999999999/cancel",
        ):
            method = client.post if url.endswith("cancel") else client.get
            json_error(method(url, headers=headers), 404)
        for url in (
            "/p/khong-co",
            "/c/khong-co",
            "/htx/khong-co",
            "/tinh/khong-co",
            "/xa/khong-co",
            "/orders/OCZZZZZZ",
        ):
            response = client.get(url)
            assert response.status_code == 404 and "Không" in response.get_data(as_text=True), url


# --- HTML and script in text fields --------------------------------------------------------------------------


def test_script_in_every_product_field_comes_back_escaped(client, shop):
    seller = shop["seller_a"]
    staff = make_user(Role.COMMUNE_STAFF, commune_code=shop["a"].commune_code)
    login(client, seller)
    fields = {
        **product_data(),
        "name": f"Nấm {SCRIPT}",
        "description": SCRIPT,
        "certificate_no": f"QĐ 12 {SCRIPT}"[:60],
    }
    fields.update(ocop_stars="4", certificate_issued_on="2025-01-10", action="submit")
    fields["photos"] = (io.BytesIO(jpeg_bytes()), "nam.jpg")
    response = client.form_post("/cooperative/products/new", fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    headers = bearer(seller)
    created = client.post("/api/v1/products", json={**product_data(), "name": f"Mộc nhĩ {SCRIPT}"}, headers=headers)
    assert created.status_code == 201 and created.get_json()["name"] == "Mộc nhĩ"  # tags stripped when stored
    product_id = created.get_json()["id"]
    image = client.post(
        f"/api/v1/products/{product_id}/images", data={"image": (io.BytesIO(jpeg_bytes()), "a.jpg")}, headers=headers
    )
    assert image.status_code == 201
    assert client.post(f"/api/v1/products/{product_id}/submit", headers=headers).status_code == 200
    mine = db.session.scalars(
        select(Product).where(Product.id != shop["product_a"].id, Product.cooperative_id == shop["a"].id)
    ).all()
    assert len(mine) == 2
    for product in mine:
        assert_no_markup(client.get(f"/cooperative/products/{product.id}").get_data(as_text=True))
        catalog_services.approve_product(staff, product)
    db.session.commit()
    for product in mine:
        assert_no_markup(client.get(f"/p/{product.slug}").get_data(as_text=True))
        api = client.get(f"/api/v1/products/{product.id}").get_json()
        assert "<" not in api["name"] and "<" not in api["description"]
    assert_no_markup(client.get("/cooperative/products").get_data(as_text=True))
    assert_no_markup(client.get("/search", query_string={"q": "nam"}).get_data(as_text=True))


def assert_no_markup(page: str) -> None:
    """No live tag from what was typed: stored text has its tags stripped (marketplace.text.clean_text)."""
    assert "<script>alert" not in page and "<img src=x onerror" not in page, page[:2000]


def assert_escaped(page: str) -> None:
    """What was typed (and not stored) comes back as text."""
    assert_no_markup(page)
    assert ESCAPED in page


def test_script_in_checkout_shipping_is_escaped_for_buyer_and_seller(client, shop):
    order = make_checkout(shop["buyer"], {shop["product_a"].id: 1}, method="cod").orders[0]
    order.ship_name, order.ship_address, order.note = SCRIPT, SCRIPT, SCRIPT
    db.session.commit()
    body = checkout_body({shop["product_a"].id: 1}, name=f"Trần {SCRIPT}", address=f"Số 12 {SCRIPT}", note=SCRIPT)
    placed = client.post("/api/v1/checkout", json=body, headers=bearer(shop["buyer"]))
    assert placed.status_code == 201
    api_order = client.get(f"/api/v1/orders/{placed.get_json()['orders'][0]['id']}", headers=bearer(shop["buyer"]))
    assert SCRIPT in json.dumps(api_order.get_json(), ensure_ascii=False) or api_order.status_code == 200
    login(client, shop["buyer"])
    assert_escaped(client.get(f"/orders/{order.code}").get_data(as_text=True))
    client.form_post("/logout")
    login(client, shop["seller_a"])
    assert_escaped(client.get(f"/cooperative/orders/{order.code}").get_data(as_text=True))
    assert_escaped(client.get("/cooperative/orders").get_data(as_text=True))


def test_script_in_the_cooperative_profile_is_escaped_on_its_storefront(client, shop):
    login(client, shop["seller_a"])
    form = {
        "name": f"HTX {SCRIPT}",
        "address": SCRIPT,
        "phone": "0912345678",
        "description": SCRIPT,
        "bank_bin": "970405",
        "account_no": "3500205123456",
        "account_holder": SCRIPT[:120],
        "shipping_flat_vnd": "30000",
    }
    saved = client.form_post("/cooperative/settings", form)
    assert saved.status_code in (302, 422), saved.get_data(as_text=True)[:500]
    db.session.expire_all()
    cooperative = db.session.get(Cooperative, shop["a"].id)
    assert_no_markup(client.get(f"/htx/{cooperative.slug}").get_data(as_text=True))
    assert_no_markup(client.get("/cooperative/settings").get_data(as_text=True))


def test_script_in_a_search_is_escaped(client):
    page = client.get("/search", query_string={"q": SCRIPT})
    assert page.status_code == 200
    assert_escaped(page.get_data(as_text=True))


# --- media paths ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/media/../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/..%2fsecret.txt",
        "/media/products/..%2f..%2fsecret.txt",
        "/media/%2e%2e%2f%2e%2e%2fetc/passwd",
        "/media//etc/passwd",
        "/media/....//secret.txt",
        "/media/products/%00.jpg",
    ],
)
def test_media_paths_cannot_leave_the_media_folder(app, client, path):
    media = Path(app.config["MEDIA_ROOT"])
    media.mkdir(parents=True, exist_ok=True)
    (media.parent / "secret.txt").write_text("SECRET-KEY-123")
    response = client.get(path, follow_redirects=True)  # "//" is merged by a redirect that stays under /media/
    assert response.status_code in (400, 404), (path, response.status_code)
    body = response.get_data(as_text=True)
    assert "SECRET-KEY-123" not in body and "root:" not in body


# --- forms without CSRF --------------------------------------------------------------------------------------


def test_forms_without_csrf_are_400_and_change_nothing(client, shop):
    seller, buyer = shop["seller_a"], shop["buyer"]
    order = make_checkout(buyer, {shop["product_a"].id: 1}, method="cod").orders[0]
    draft = make_draft(seller, photo=False)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=shop["a"].commune_code)
    db.session.commit()
    cases = [
        (buyer, "/cart/add", {"product_id": shop["product_b"].id, "quantity": 1}),
        (buyer, f"/orders/{order.code}/cancel", {}),
        (buyer, "/checkout", {"name": "A", "phone": "0912345678", "address": "x", "payment_method": "cod"}),
        (seller, "/cooperative/products/new", product_data()),
        (seller, f"/cooperative/products/{draft.id}/submit", {}),
        (seller, f"/cooperative/orders/{order.code}/confirm", {}),
        (seller, "/cooperative/settings", {"name": "Đổi tên"}),
        (staff, f"/commune/review/products/{draft.id}/approve", {}),
    ]
    for user, url, data in cases:
        login(client, user)
        with nothing_changes():
            response = client.post(url, data=data)
            page_error(response, 400, CSRF_MESSAGE)
        client.form_post("/logout")


def test_login_without_csrf_does_not_sign_in(client, shop):
    with nothing_changes():
        response = client.post("/login", data={"email": shop["buyer"].email, "password": PASSWORD})
        page_error(response, 400, CSRF_MESSAGE)
    assert client.get("/account/").status_code == 302


# --- other people's things -----------------------------------------------------------------------------------


def test_a_buyer_cannot_see_or_touch_another_buyers_order(client, shop):
    order = make_checkout(shop["buyer"], {shop["product_a"].id: 1}).orders[0]
    other = make_user()
    db.session.commit()
    headers = bearer(other)
    login(client, other)
    with nothing_changes():
        assert client.get(f"/orders/{order.code}").status_code == 404
        assert client.get(f"/orders/{order.code}/pay").status_code == 404
        assert client.get(f"/orders/{order.code}/qr.png").status_code == 404
        page_error(client.form_post(f"/orders/{order.code}/cancel"), 404, "404")
        json_error(client.get(f"/api/v1/orders/{order.id}", headers=headers), 404)
        json_error(client.post(f"/api/v1/orders/{order.id}/cancel", headers=headers), 404)


def test_a_cooperative_cannot_see_or_touch_another_cooperatives_things(client, shop):
    order = make_checkout(shop["buyer"], {shop["product_a"].id: 1}, method="cod").orders[0]
    draft = make_draft(shop["seller_a"], photo=False)
    db.session.commit()
    headers = bearer(shop["seller_b"])
    login(client, shop["seller_b"])
    with nothing_changes():
        for url in (f"/cooperative/orders/{order.code}", f"/cooperative/products/{draft.id}"):
            assert client.get(url).status_code in (403, 404), url
        for url, data in (
            (f"/cooperative/orders/{order.code}/ship", {"carrier": "vnpost", "tracking_no": "X1"}),
            (f"/cooperative/orders/{order.code}/cancel", {}),
            (f"/cooperative/products/{draft.id}", product_data(name="Của tôi rồi")),
            (f"/cooperative/products/{draft.id}/archive", {}),
        ):
            assert client.form_post(url, data).status_code in (403, 404), url
        json_error(client.post(f"/api/v1/products/{draft.id}/submit", headers=headers), 404)
        upload = client.post(
            f"/api/v1/products/{draft.id}/images",
            data={"image": (jpeg_bytes_io(0), "a.jpg")},
            headers=headers,
        )
        assert upload.status_code in (403, 404)
        json_error(upload, upload.status_code)


def test_commune_staff_of_another_commune_cannot_decide(client, shop):
    draft = make_draft(shop["seller_a"])
    catalog_services.submit_product(shop["seller_a"], draft)
    elsewhere = make_user(Role.COMMUNE_STAFF, commune_code=4960)
    buyer = shop["buyer"]
    db.session.commit()
    tokens = [bearer(user) for user in (elsewhere, buyer, shop["seller_b"])]
    with nothing_changes():
        for headers in tokens:
            response = client.post(f"/api/v1/products/{draft.id}/approve", headers=headers)
            assert response.status_code in (403, 404)
            json_error(response, response.status_code)
        login(client, elsewhere)
        assert client.form_post(f"/commune/review/products/{draft.id}/approve").status_code in (403, 404)


# --- repeated logins -----------------------------------------------------------------------------------------


def test_repeated_logins_are_limited_even_with_the_right_password(client, shop):
    buyer = shop["buyer"]
    with nothing_changes():
        for _attempt in range(5):
            page_error(
                client.form_post("/login", {"email": buyer.email, "password": "sai-mat-khau"}),
                400,
                "E-mail hoặc mật khẩu không đúng.",
            )
        limited = client.form_post("/login", {"email": buyer.email, "password": PASSWORD})
        page_error(limited, 429, "Bạn thao tác quá nhanh. Vui lòng thử lại sau ít phút.")
        assert "Retry-After" in limited.headers or "X-RateLimit-Reset" in limited.headers
    assert client.get("/account/").status_code == 302  # still signed out


def test_repeated_api_token_requests_are_limited_in_json(client, shop):
    with nothing_changes():
        for _attempt in range(10):
            body = {"email": shop["buyer"].email, "password": "sai-mat-khau"}
            json_error(client.post("/api/v1/auth/token", json=body), 401, "invalid_credentials")
        body = {"email": shop["buyer"].email, "password": PASSWORD}
        json_error(client.post("/api/v1/auth/token", json=body), 429, "rate_limited")
