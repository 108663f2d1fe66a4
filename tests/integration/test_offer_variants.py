"""Offers naming a variant (both databases): the variant must be the seller's, acceptance checks out that variant at
the offered price (not its tier price), and a negotiated quantity below the product's minimum order still goes through."""

from __future__ import annotations

from sqlalchemy import select

from catalog.models import ProductVariant
from marketplace.extensions import db
from marketplace.models import Role
from orders.demands.models import Offer
from orders.models import Order, OrderLine
from tests.factories import login, make_cooperative, make_product, make_user
from tests.factories.catalog import set_variants, variant_row
from tests.factories.demands import category_id, make_business, make_demand
from tests.factories.orders import SHIPPING, bearer


def seller_with_packs(min_order_quantity: int = 1):
    """A verified seller and its tea in two packs; the 500 g pack has a price from 10 units."""
    grower = make_user(Role.COOPERATIVE, cooperative=make_cooperative(name="HTX Chè Tân Cương"))
    product = make_product(grower.cooperative, name="Chè Tân Cương", category_id=category_id(), stock=0)
    small, large = set_variants(
        product,
        [variant_row("Túi 200 g", 60_000, 100), variant_row("Túi 500 g", 140_000, 100, tiers={10: 130_000})],
        min_order_quantity,
    )
    db.session.commit()
    return grower, product, small, large


def offer_body(demand, **fields) -> dict:
    return {"price_vnd": 120_000, "quantity": 12, "deliver_by": demand.needed_by.isoformat(), **fields}


def test_an_offer_names_a_variant_and_acceptance_buys_that_variant_at_the_offered_price(client):
    kitchen = make_business()
    demand = make_demand(kitchen, quantity=30, max_price_vnd=None)
    grower, product, small, large = seller_with_packs()
    made = client.post(
        f"/api/v1/demands/{demand.id}/offers",
        json=offer_body(demand, product_id=product.id, variant_id=large.id),
        headers=bearer(grower),
    )
    assert made.status_code == 201, made.get_json()
    seen = client.get(f"/api/v1/demands/{demand.id}/offers", headers=bearer(kitchen)).get_json()["items"][0]
    assert (seen["product_id"], seen["variant_id"], seen["variant_name"]) == (product.id, large.id, "Túi 500 g")

    accepted = client.post(
        f"/api/v1/offers/{made.get_json()['id']}/accept",
        json={"payment_method": "cod", "shipping": SHIPPING},
        headers=bearer(kitchen),
    )
    assert accepted.status_code == 201, accepted.get_json()
    line = db.session.scalar(select(OrderLine).join(Order).where(Order.buyer_id == kitchen.id))
    assert (line.variant_id, line.variant_name, line.unit_price_vnd, line.quantity) == (
        large.id,
        "Túi 500 g",
        120_000,  # the offer's price, not the 130 000 tier price for 12 units
        12,
    )
    assert (db.session.get(ProductVariant, large.id).stock, db.session.get(ProductVariant, small.id).stock) == (88, 100)


def test_a_variant_of_another_product_or_seller_is_refused_next_to_the_field(client):
    demand = make_demand(quantity=30, max_price_vnd=None)
    grower, product, _small, _large = seller_with_packs()
    _rival, _other, _rival_small, rival_large = seller_with_packs()
    wrong = client.post(
        f"/api/v1/demands/{demand.id}/offers",
        json=offer_body(demand, product_id=product.id, variant_id=rival_large.id),
        headers=bearer(grower),
    )
    assert wrong.status_code == 422
    assert "variant_id" in wrong.get_json()["error"]["fields"]
    alone = client.post(
        f"/api/v1/demands/{demand.id}/offers",
        json=offer_body(demand, variant_id=rival_large.id),
        headers=bearer(grower),
    )
    assert alone.status_code == 422 and "variant_id" in alone.get_json()["error"]["fields"]
    assert db.session.scalar(select(Offer.id)) is None


def test_an_accepted_offer_below_the_minimum_order_quantity_still_makes_the_order(client):
    kitchen = make_business()
    demand = make_demand(kitchen, quantity=30, max_price_vnd=None)
    grower, product, small, _large = seller_with_packs(min_order_quantity=20)
    made = client.post(
        f"/api/v1/demands/{demand.id}/offers",
        json=offer_body(demand, product_id=product.id, variant_id=small.id, quantity=5, price_vnd=55_000),
        headers=bearer(grower),
    )
    assert made.status_code == 201, made.get_json()
    retail = client.post(
        "/api/v1/checkout",
        json={
            "items": [{"product_id": product.id, "variant_id": small.id, "quantity": 5}],
            "payment_method": "cod",
            "shipping": SHIPPING,
        },
        headers=bearer(kitchen),
    )
    assert retail.status_code == 422 and retail.get_json()["error"]["code"] == "below_minimum"
    accepted = client.post(
        f"/api/v1/offers/{made.get_json()['id']}/accept",
        json={"payment_method": "cod", "shipping": SHIPPING},
        headers=bearer(kitchen),
    )
    assert accepted.status_code == 201, accepted.get_json()
    line = db.session.scalar(select(OrderLine).join(Order).where(Order.buyer_id == kitchen.id))
    assert (line.variant_id, line.quantity, line.unit_price_vnd) == (small.id, 5, 55_000)


def test_the_offer_form_lists_each_pack_and_sends_the_chosen_one(client):
    demand = make_demand(quantity=30, max_price_vnd=None)
    grower, product, _small, large = seller_with_packs()
    login(client, grower)
    page = client.get(f"/nhu-cau/{demand.id}").get_data(as_text=True)
    assert "Chè Tân Cương — Túi 200 g" in page and f'value="{product.id}:{large.id}"' in page
    values = {"price_vnd": "120000", "quantity": "12", "deliver_by": demand.needed_by.isoformat()}
    sent = client.form_post(f"/nhu-cau/{demand.id}/chao-hang", {**values, "product_id": f"{product.id}:{large.id}"})
    assert sent.status_code == 302
    offer = db.session.scalar(select(Offer))
    assert (offer.product_id, offer.variant_id) == (product.id, large.id)
    shown = client.get(f"/nhu-cau/{demand.id}").get_data(as_text=True)
    assert "data-offer-item>Chè Tân Cương — Túi 500 g</small>" in shown
    bad = client.form_post(f"/nhu-cau/{demand.id}/chao-hang", {**values, "product_id": f"{product.id}:999999"})
    assert bad.status_code == 422 and "Chọn một loại hàng đang bán của sản phẩm này." in bad.get_data(as_text=True)
