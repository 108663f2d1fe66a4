"""Supply and demand on both databases: demand → offers → acceptance → orders at the offered price, scheduled
deliveries, contacts hidden until acceptance, who may post, offer and accept, and the deadline task."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from marketplace.buyers.models import BusinessStatus
from marketplace.extensions import db
from marketplace.models import CooperativeStatus, Notice, Role
from marketplace.text import utcnow
from orders.demands.models import CloseReason, Demand, DemandStatus, Offer, OfferOrder, OfferStatus
from orders.demands.tasks import close_past_deadline
from orders.models import Order, OrderLine, OrderStatus
from tests.factories import LIEN_SON, make_cooperative, make_product, make_user
from tests.factories.demands import category_id, demand_values, make_business, make_demand, make_offer, weekly_values
from tests.factories.orders import SHIPPING, bearer


def seller(**coop) -> object:
    return make_user(Role.COOPERATIVE, cooperative=make_cooperative(**coop))


def accept_body(method: str = "cod") -> dict:
    return {"payment_method": method, "shipping": SHIPPING}


def test_a_verified_business_posts_a_demand_and_the_public_list_shows_it_without_contacts(client):
    kitchen = make_business(organisation_name="Bếp ăn Trường Tiểu học Hoa Sen", contact_phone="0912000777")
    response = client.post("/api/v1/demands", json=demand_values(title="Rau muống"), headers=bearer(kitchen))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "open"

    listed = client.get("/api/v1/demands?province=25&category=nong-san-tuoi&status=open").get_json()
    assert listed["total"] == 1 and listed["page"] == 1
    item = listed["items"][0]
    assert (item["title"], item["quantity"], item["unit"], item["offers_count"]) == ("Rau muống", 30, "kg", 0)
    assert "Hoa Sen" not in str(listed) and "0912000777" not in str(listed)
    assert client.get("/api/v1/demands?province=38").get_json()["total"] == 0

    page = client.get("/nhu-cau?province=25").get_data(as_text=True)
    assert "Rau muống" in page and "Hoa Sen" not in page and "912 000 777" not in page


def test_demand_to_offers_to_acceptance_makes_orders_at_the_offered_prices_and_reveals_contacts(client):
    kitchen = make_business()
    demand = make_demand(kitchen)
    first, second = seller(name="HTX Rau Liên Sơn", commune_code=LIEN_SON), seller(name="HTX Rau Triệu Sơn")
    offer_a = make_offer(demand, first, price_vnd=28_000, quantity=20)
    offer_b = make_offer(demand, second, price_vnd=31_000, quantity=10)

    seen = client.get(f"/api/v1/demands/{demand.id}/offers", headers=bearer(kitchen)).get_json()["items"]
    assert [o["id"] for o in seen] == [offer_a.id, offer_b.id]  # cheapest first
    assert [o["distance"] for o in seen] == ["province", "other"]
    assert all("seller_contact" not in o for o in seen)
    own = client.get(f"/api/v1/demands/{demand.id}/offers", headers=bearer(second)).get_json()["items"]
    assert [o["id"] for o in own] == [offer_b.id] and "buyer_contact" not in own[0]

    accepted = client.post(f"/api/v1/offers/{offer_a.id}/accept", json=accept_body(), headers=bearer(kitchen))
    assert accepted.status_code == 201, accepted.get_json()
    orders = accepted.get_json()["orders"]
    assert len(orders) == 1 and orders[0]["cooperative"]["name"] == "HTX Rau Liên Sơn"
    line = db.session.scalar(select(OrderLine).join(Order).where(Order.id == orders[0]["id"]))
    assert (line.unit_price_vnd, line.quantity) == (28_000, 20)  # the offer's price, not the product's 45 000
    assert db.session.get(Demand, demand.id).status == DemandStatus.OPEN  # 20 of 30 kg: still open

    after = client.get(f"/api/v1/demands/{demand.id}/offers", headers=bearer(kitchen)).get_json()["items"]
    contacts = {o["id"]: o.get("seller_contact") for o in after}
    assert contacts[offer_a.id]["name"] == "HTX Rau Liên Sơn" and contacts[offer_b.id] is None
    mine = client.get(f"/api/v1/demands/{demand.id}/offers", headers=bearer(first)).get_json()["items"][0]
    assert mine["buyer_contact"]["phone"] == "0912000005"

    assert (
        client.post(f"/api/v1/offers/{offer_b.id}/accept", json=accept_body(), headers=bearer(kitchen)).status_code
        == 201
    )
    closed = db.session.get(Demand, demand.id)
    assert (closed.status, closed.close_reason) == (DemandStatus.CLOSED, CloseReason.FILLED)
    assert db.session.scalar(select(func.count()).select_from(OfferOrder)) == 2


def test_a_weekly_schedule_becomes_one_order_per_delivery_date(client):
    kitchen = make_business()
    demand = make_demand(kitchen, **weekly_values(weeks=3, needed_by=None))
    offer = make_offer(demand, seller(), quantity=30, price_vnd=25_000)
    response = client.post(f"/api/v1/offers/{offer.id}/accept", json=accept_body(), headers=bearer(kitchen))
    assert response.status_code == 201, response.get_json()
    assert len(response.get_json()["orders"]) == 3
    dates = db.session.scalars(select(OfferOrder.delivery_date).order_by(OfferOrder.delivery_date)).all()
    assert [d.weekday() for d in dates] == [0, 0, 0] and (dates[2] - dates[0]).days == 14
    notes = db.session.scalars(select(Order.note)).all()
    assert all(d.strftime("%d/%m/%Y") in " ".join(notes) for d in dates)


def test_only_verified_business_buyers_post_demands(client):
    plain = make_user(Role.BUYER)
    pending = make_business(status=BusinessStatus.PENDING)
    for user in (plain, pending):
        response = client.post("/api/v1/demands", json=demand_values(), headers=bearer(user))
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "business_unverified"
    bad = client.post("/api/v1/demands", json=demand_values(quantity=0, unit=""), headers=bearer(make_business()))
    assert bad.status_code == 422 and {"quantity", "unit"} <= set(bad.get_json()["error"]["fields"])


def test_only_verified_sellers_offer_and_only_the_owner_accepts(client):
    kitchen = make_business()
    demand = make_demand(kitchen)
    body = {"price_vnd": 30_000, "quantity": 5, "deliver_by": demand.needed_by.isoformat()}
    unverified = seller(status=CooperativeStatus.PENDING)
    assert client.post(f"/api/v1/demands/{demand.id}/offers", json=body, headers=bearer(unverified)).status_code == 409
    assert client.post(f"/api/v1/demands/{demand.id}/offers", json=body, headers=bearer(kitchen)).status_code == 403
    over = client.post(
        f"/api/v1/demands/{demand.id}/offers", json={**body, "price_vnd": 50_000}, headers=bearer(seller())
    )
    assert over.status_code == 422 and "price_vnd" in over.get_json()["error"]["fields"]

    offer = make_offer(demand, seller())
    other_business = make_business()
    stranger = client.post(f"/api/v1/offers/{offer.id}/accept", json=accept_body(), headers=bearer(other_business))
    assert stranger.status_code == 404
    assert client.get(f"/api/v1/demands/{demand.id}/offers", headers=bearer(other_business)).status_code == 403
    assert db.session.get(Offer, offer.id).status == OfferStatus.OPEN


def test_an_offer_can_be_withdrawn_before_it_is_accepted(client):
    kitchen = make_business()
    demand = make_demand(kitchen)
    grower = seller()
    offer = make_offer(demand, grower)
    assert (
        client.post(f"/api/v1/offers/{offer.id}/withdraw", headers=bearer(grower)).get_json()["status"] == "withdrawn"
    )
    refused = client.post(f"/api/v1/offers/{offer.id}/accept", json=accept_body(), headers=bearer(kitchen))
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "offer_not_open"


def test_invoice_transfer_is_only_for_verified_business_buyers(client):
    kitchen = make_business()
    offer = make_offer(make_demand(kitchen), seller())
    response = client.post(f"/api/v1/offers/{offer.id}/accept", json=accept_body("invoice"), headers=bearer(kitchen))
    assert response.status_code == 201, response.get_json()
    payment = response.get_json()["orders"][0]["payment"]
    assert payment["gateway"] == "invoice" and payment["due_at"]
    assert response.get_json()["orders"][0]["status"] == OrderStatus.AWAITING_CONFIRMATION

    product = make_product(stock=10)
    retail = client.post(
        "/api/v1/checkout",
        json={"items": [{"product_id": product.id, "quantity": 1}], "payment_method": "invoice", "shipping": SHIPPING},
        headers=bearer(make_user(Role.BUYER)),
    )
    assert retail.status_code == 422 and "payment_method" in retail.get_json()["error"]["fields"]


def test_matching_sellers_in_the_province_and_category_are_told(app):
    near = seller(commune_code=LIEN_SON)
    make_product(near.cooperative, category_id=category_id())
    far = seller()  # Thanh Hóa
    make_product(far.cooperative, category_id=category_id())
    other_category = seller(commune_code=LIEN_SON)
    make_product(other_category.cooperative, category_id=category_id("nong-san-so-che"))
    demand = make_demand()
    told = set(db.session.scalars(select(Notice.user_id).where(Notice.kind == "demand.posted")))
    assert told == {near.id}
    assert str(demand.id) in db.session.scalar(select(Notice.link).where(Notice.user_id == near.id))


def test_the_deadline_task_closes_demands_past_their_deadline_and_is_safe_to_run_twice(app):
    demand = make_demand()
    offer = make_offer(demand, seller())
    later = make_demand()
    demand.offers_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert close_past_deadline() == 1
    assert close_past_deadline() == 0
    assert (db.session.get(Demand, demand.id).close_reason, db.session.get(Offer, offer.id).status) == (
        CloseReason.EXPIRED,
        OfferStatus.EXPIRED,
    )
    assert db.session.get(Demand, later.id).status == DemandStatus.OPEN


def test_both_sides_rate_each_other_once_after_delivery(client):
    kitchen = make_business()
    grower = seller()
    offer = make_offer(make_demand(kitchen), grower)
    client.post(f"/api/v1/offers/{offer.id}/accept", json=accept_body(), headers=bearer(kitchen))
    early = client.post(f"/api/v1/offers/{offer.id}/ratings", json={"stars": 5}, headers=bearer(kitchen))
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "not_delivered"
    for order in db.session.scalars(select(Order)):
        order.status = OrderStatus.DELIVERED
    db.session.commit()
    assert (
        client.post(f"/api/v1/offers/{offer.id}/ratings", json={"stars": 5}, headers=bearer(kitchen)).status_code == 201
    )
    assert (
        client.post(f"/api/v1/offers/{offer.id}/ratings", json={"stars": 4}, headers=bearer(grower)).status_code == 201
    )
    again = client.post(f"/api/v1/offers/{offer.id}/ratings", json={"stars": 1}, headers=bearer(kitchen))
    assert again.status_code == 409
