"""Variants, wholesale price tiers and the minimum order quantity: what a buyer pays and what stock moves."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog import services as catalog_services
from catalog.models import DEFAULT_VARIANT_NAME, Product, ProductVariant
from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.models import Role
from orders import services as order_services
from orders.models import OrderLine
from tests.factories import api_token, make_cooperative, make_product, make_user
from tests.factories.catalog import set_variants, variant_row
from tests.factories.orders import bearer, checkout_body, make_checkout


def _stocks(product: Product) -> tuple[int, list[int]]:
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    return product.stock, [variant.stock for variant in product.variants]


def _tea(stock_small: int = 30, stock_large: int = 10, **kwargs) -> tuple[Product, list[ProductVariant]]:
    product = make_product(make_cooperative(), name="Trà Shan tuyết", unit="gói")
    rows = [
        variant_row("Túi 200 g", 50_000, stock_small, {10: 45_000, 50: 42_000}),
        variant_row("Hộp 500 g", 110_000, stock_large),
    ]
    return product, set_variants(product, rows, **kwargs)


def test_a_product_without_explicit_variants_has_one_default_variant_that_follows_its_edits(app):
    product = make_product(price_vnd=80_000, stock=7, gtin="08938500000011")
    (default,) = product.variants
    assert (default.name, default.price_vnd, default.stock, default.gtin) == (
        DEFAULT_VARIANT_NAME,
        80_000,
        7,
        product.gtin,
    )
    product.stock, product.price_vnd = 3, 75_000
    db.session.flush()
    assert (default.stock, default.price_vnd) == (3, 75_000)
    assert not product.has_choices


def test_product_json_lists_variants_tiers_and_minimum(client):
    product, (small, large) = _tea(min_order_quantity=5)
    db.session.commit()
    data = client.get(f"/api/v1/products/{product.id}").get_json()
    assert data["price_vnd"] == 50_000 and data["stock"] == 40  # the "from" price, the total stock
    assert data["min_order_quantity"] == 5
    assert data["price_tiers"] == [{"min_quantity": 10, "price_vnd": 45_000}, {"min_quantity": 50, "price_vnd": 42_000}]
    assert [{k: v[k] for k in ("id", "name", "price_vnd", "stock")} for v in data["variants"]] == [
        {"id": small.id, "name": "Túi 200 g", "price_vnd": 50_000, "stock": 30},
        {"id": large.id, "name": "Hộp 500 g", "price_vnd": 110_000, "stock": 10},
    ]


def test_checkout_charges_the_tier_price_for_the_quantity_and_takes_the_chosen_variant(client):
    product, (small, large) = _tea(stock_small=60)
    buyer = make_user()
    db.session.commit()
    body = checkout_body({}, "cod")
    body["items"] = [
        {"product_id": product.id, "variant_id": small.id, "quantity": 12},
        {"product_id": product.id, "variant_id": large.id, "quantity": 1},
    ]
    response = client.post("/api/v1/checkout", json=body, headers=bearer(buyer))
    assert response.status_code == 201, response.get_json()
    order = response.get_json()["orders"][0]
    detail = client.get(f"/api/v1/orders/{order['id']}", headers=bearer(buyer)).get_json()
    assert sorted((ln["variant_name"], ln["quantity"], ln["unit_price_vnd"]) for ln in detail["lines"]) == [
        ("Hộp 500 g", 1, 110_000),
        ("Túi 200 g", 12, 45_000),  # from 10 bags: the wholesale price
    ]
    assert detail["subtotal_vnd"] == 12 * 45_000 + 110_000
    assert _stocks(product) == (48 + 9, [48, 9])


def test_the_largest_tier_reached_applies(app):
    product, (small, _large) = _tea(stock_small=60)
    checkout = make_checkout(make_user(), {product.id: 50})  # no variant named: the first one
    (line,) = checkout.orders[0].lines
    assert (line.variant_id, line.unit_price_vnd) == (small.id, 42_000)


def test_below_the_minimum_order_quantity_is_a_field_error(client):
    product, (small, large) = _tea(min_order_quantity=5)
    buyer = make_user()
    db.session.commit()
    body = checkout_body({}, "cod")
    body["items"] = [
        {"product_id": product.id, "variant_id": small.id, "quantity": 2},
        {"product_id": product.id, "variant_id": large.id, "quantity": 2},
    ]
    response = client.post("/api/v1/checkout", json=body, headers=bearer(buyer))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "below_minimum" and error["min_order_quantity"] == 5
    assert "tối thiểu 5" in error["fields"]["quantity"][0]
    body["items"][1]["quantity"] = 3  # five together: enough
    assert client.post("/api/v1/checkout", json=body, headers=bearer(buyer)).status_code == 201


def test_a_variant_of_another_product_is_refused(client):
    product, _variants = _tea()
    _other, (foreign, _large) = _tea()
    buyer = make_user()
    db.session.commit()
    body = checkout_body({}, "cod")
    body["items"] = [{"product_id": product.id, "variant_id": foreign.id, "quantity": 1}]
    response = client.post("/api/v1/checkout", json=body, headers=bearer(buyer))
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "variant_unavailable"
    assert _stocks(product) == (40, [30, 10])


def test_a_short_variant_reserves_nothing_even_when_the_product_has_stock(client):
    product, (small, large) = _tea(stock_small=30, stock_large=2)
    buyer = make_user()
    db.session.commit()
    body = checkout_body({}, "cod")
    body["items"] = [
        {"product_id": product.id, "variant_id": small.id, "quantity": 1},
        {"product_id": product.id, "variant_id": large.id, "quantity": 3},
    ]
    response = client.post("/api/v1/checkout", json=body, headers=bearer(buyer))
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert (error["variant_id"], error["available"]) == (large.id, 2) and "Hộp 500 g" in error["message"]
    assert _stocks(product) == (32, [30, 2])


def test_cancelling_gives_the_units_back_to_their_variant(app):
    product, (_small, large) = _tea()
    buyer = make_user()
    order = make_checkout(buyer, {(product.id, large.id): 2}).orders[0]
    assert _stocks(product) == (38, [30, 8])
    order_services.cancel_order(buyer, order)
    db.session.flush()
    assert _stocks(product) == (40, [30, 10])


def test_old_order_lines_without_a_variant_release_to_the_default_variant(app):
    product = make_product(stock=5)
    buyer = make_user()
    order = make_checkout(buyer, {product.id: 2}).orders[0]
    db.session.execute(OrderLine.__table__.update().values(variant_id=None))
    db.session.expire_all()
    order_services.cancel_order(buyer, order)
    db.session.flush()
    assert _stocks(product) == (5, [5])


def test_the_cooperative_replaces_variants_through_the_api(client):
    coop = make_cooperative()
    owner = make_user(Role.COOPERATIVE, cooperative=coop)
    product = make_product(coop, price_vnd=60_000, stock=4)
    (default,) = product.variants
    db.session.commit()
    headers = api_token(client, owner.email)
    body = {
        "variants": [
            {
                "id": default.id,
                "name": "Loại 1",
                "price_vnd": "60.000",
                "stock": 4,
                "price_tiers": [{"min_quantity": 10, "price_vnd": 55_000}],
            },
            {"name": "Loại 2", "price_vnd": 40_000, "stock": 20},
        ],
        "min_order_quantity": 2,
    }
    response = client.put(f"/api/v1/products/{product.id}/variants", json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert [v["name"] for v in data["variants"]] == ["Loại 1", "Loại 2"] and data["variants"][0]["id"] == default.id
    assert (data["price_vnd"], data["stock"], data["min_order_quantity"]) == (40_000, 24, 2)
    body["variants"][0]["price_tiers"] = [{"min_quantity": 10, "price_vnd": 70_000}]  # dearer than the base
    body["variants"][1]["gtin"] = "8938500000012"  # wrong check digit
    response = client.put(f"/api/v1/products/{product.id}/variants", json=body, headers=headers)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"variant-0-tiers", "variant-1-gtin"}
    stranger = make_user(Role.COOPERATIVE, cooperative=make_cooperative())
    db.session.commit()
    other = api_token(client, stranger.email)
    assert client.put(f"/api/v1/products/{product.id}/variants", json=body, headers=other).status_code in (403, 404)


def test_variant_rows_are_checked_together(app):
    with pytest.raises(ValidationFailed) as failure:
        set_variants(make_product(), [variant_row("Túi", 10_000, 1), variant_row("túi", 9_000, 1)])
    assert "variants" in failure.value.extra["fields"]


def test_a_removed_variant_that_orders_name_is_only_deactivated(app):
    product, (_small, large) = _tea()
    make_checkout(make_user(), {product.id: 1})  # takes a bag
    set_variants(product, [variant_row("Hộp 500 g", 110_000, 10, id=large.id)])
    kept = db.session.scalars(select(ProductVariant).where(ProductVariant.product_id == product.id)).all()
    assert {(v.name, v.active) for v in kept} == {("Hộp 500 g", True), ("Túi 200 g", False)}
    assert (product.price_vnd, product.stock) == (110_000, 10)


def test_a_product_with_variants_refuses_a_typed_price_or_stock_but_saves_other_fields(app):
    product, _variants = _tea()
    owner = make_user(Role.COOPERATIVE, cooperative=product.cooperative)
    with pytest.raises(ValidationFailed) as refused:
        catalog_services.update_product(owner, product, {"price_vnd": "1.000"})
    assert set(refused.value.extra["fields"]) == {"price_vnd"}
    catalog_services.update_product(owner, product, {"price_vnd": "50.000", "stock": "40", "unit": "hộp"})
    assert (product.unit, product.price_vnd, product.stock) == ("hộp", 50_000, 40)
    assert _stocks(product) == (40, [30, 10])


def test_a_product_created_through_the_api_can_bring_its_variants(client):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    body = {
        "name": "Mật ong hoa nhãn",
        "price_vnd": 200_000,
        "unit": "chai",
        "category": "nong-san-so-che",
        "variants": [
            {"name": "Chai 500 ml", "price_vnd": 200_000, "stock": 5},
            {
                "name": "Chai 1 lít",
                "price_vnd": 380_000,
                "stock": 2,
                "price_tiers": [{"min_quantity": 6, "price_vnd": 350_000}],
            },
        ],
        "min_order_quantity": 2,
    }
    response = client.post("/api/v1/products", json=body, headers=api_token(client, owner.email))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert [(v["name"], v["stock"]) for v in data["variants"]] == [("Chai 500 ml", 5), ("Chai 1 lít", 2)]
    assert data["variants"][1]["price_tiers"] == [{"min_quantity": 6, "price_vnd": 350_000}]
    assert (data["stock"], data["min_order_quantity"], data["status"]) == (7, 2, "draft")


def test_a_price_edit_after_a_sale_keeps_the_default_variants_stock(app):
    product = make_product(stock=5, price_vnd=80_000)
    owner = make_user(Role.COOPERATIVE, cooperative=product.cooperative)
    make_checkout(make_user(), {product.id: 2})  # the ORM copy of the product still says 5
    catalog_services.update_product(owner, product, {"price_vnd": "75.000"})
    db.session.flush()
    assert _stocks(product) == (3, [3])
    assert product.variants[0].price_vnd == 75_000
