"""Ratings after delivery are shown (both databases): the seller's average and count on its public page and in the
offer comparison, the buyer's on the offers its sellers see."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Role
from orders.demands.models import Offer, OfferOrder
from orders.models import Order, OrderStatus
from tests.factories import login, make_cooperative, make_user
from tests.factories.demands import make_business, make_demand, make_offer
from tests.factories.orders import SHIPPING, bearer


def delivered_offer(client, kitchen, grower) -> Offer:
    """An offer of `grower` on a new demand of `kitchen`, accepted and delivered."""
    offer = make_offer(make_demand(kitchen), grower)
    db.session.commit()
    accepted = client.post(
        f"/api/v1/offers/{offer.id}/accept",
        json={"payment_method": "cod", "shipping": SHIPPING},
        headers=bearer(kitchen),
    )
    assert accepted.status_code == 201, accepted.get_json()
    orders = select(Order).join(OfferOrder, OfferOrder.order_id == Order.id).where(OfferOrder.offer_id == offer.id)
    for order in db.session.scalars(orders):
        order.status = OrderStatus.DELIVERED
    db.session.commit()
    return offer


def rate(client, user, offer: Offer, stars: int) -> None:
    answer = client.post(f"/api/v1/offers/{offer.id}/ratings", json={"stars": stars}, headers=bearer(user))
    assert answer.status_code == 201, answer.get_json()


def test_the_sellers_rating_shows_on_its_page_and_in_the_comparison_and_the_buyers_to_its_sellers(client):
    grower = make_user(Role.COOPERATIVE, cooperative=make_cooperative(name="HTX Rau Đồng Chằm"))
    newcomer = make_user(Role.COOPERATIVE, cooperative=make_cooperative(name="HTX Mới Thành Lập"))
    first_kitchen, second_kitchen = make_business(), make_business()
    assert "data-seller-rating" not in client.get(f"/htx/{grower.cooperative.slug}").get_data(as_text=True)

    rate(client, first_kitchen, delivered_offer(client, first_kitchen, grower), 5)
    rated_buyer = delivered_offer(client, second_kitchen, grower)
    rate(client, second_kitchen, rated_buyer, 4)
    rate(client, grower, rated_buyer, 3)  # the seller rates the second kitchen

    storefront = client.get(f"/htx/{grower.cooperative.slug}").get_data(as_text=True)
    assert "★ 4,5 (2 đánh giá)" in storefront

    demand = make_demand(second_kitchen)
    make_offer(demand, grower, price_vnd=30_000)
    make_offer(demand, newcomer, price_vnd=29_000)
    db.session.commit()
    seen = client.get(f"/api/v1/demands/{demand.id}/offers", headers=bearer(second_kitchen)).get_json()["items"]
    assert [(o["cooperative"]["name"], o["seller_rating"]) for o in seen] == [
        ("HTX Mới Thành Lập", None),
        ("HTX Rau Đồng Chằm", {"average": 4.5, "count": 2}),
    ]
    mine = client.get(f"/api/v1/demands/{demand.id}/offers", headers=bearer(grower)).get_json()["items"]
    assert mine[0]["buyer_rating"] == {"average": 3.0, "count": 1}

    login(client, second_kitchen)
    comparison = client.get(f"/nhu-cau/{demand.id}").get_data(as_text=True)
    assert "★ 4,5 (2 đánh giá)" in comparison and "Chưa có" in comparison
    client.get("/logout")
    login(client, grower)
    offered = client.get(f"/nhu-cau/{demand.id}").get_data(as_text=True)
    assert "Người mua được người bán đánh giá: ★ 3,0 (1 đánh giá)" in offered
