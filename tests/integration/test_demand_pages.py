"""The pages without JavaScript: applying as a business, verification by the commune, posting, offering, accepting."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.buyers.models import BusinessBuyer, BusinessStatus
from marketplace.extensions import db
from marketplace.models import Role
from orders.demands.models import Demand, Offer, OfferStatus
from orders.models import Order
from tests.factories import LIEN_SON, VAN_SON, login, make_cooperative, make_product, make_user
from tests.factories.demands import category_id, demand_values, make_business, make_demand

APPLICATION = {
    "organisation_name": "Nhà hàng Đồng Quê",
    "kind": "restaurant",
    "tax_number": "2600 123 457",
    "province": "25",
    "commune": str(LIEN_SON),
    "address": "Số 5 đường Hùng Vương",
    "contact_name": "Ngô Văn Tài",
    "contact_phone": "0912 000 888",
}


def test_a_buyer_applies_and_the_communes_staff_verifies_then_the_buyer_may_post(client):
    buyer = make_user(Role.BUYER)
    login(client, buyer)
    refused = client.get("/nhu-cau/dang")
    assert refused.status_code == 403 and "/doanh-nghiep" in refused.get_data(as_text=True)

    bad = client.form_post("/doanh-nghiep", {**APPLICATION, "tax_number": "12"})
    assert bad.status_code == 422 and "Mã số thuế gồm 10 hoặc 13 chữ số" in bad.get_data(as_text=True)
    assert client.form_post("/doanh-nghiep", APPLICATION).status_code == 302
    business = db.session.scalar(select(BusinessBuyer).where(BusinessBuyer.user_id == buyer.id))
    assert (business.status, business.tax_number) == (BusinessStatus.PENDING, "2600123457")

    client.get("/logout")
    login(client, make_user(Role.COMMUNE_STAFF, commune_code=VAN_SON))
    assert client.form_post(f"/doanh-nghiep/{business.id}/xac-minh", {"decision": "verify"}).status_code == 404
    client.get("/logout")
    login(client, make_user(Role.COMMUNE_STAFF, commune_code=LIEN_SON))
    assert "Nhà hàng Đồng Quê" in client.get("/doanh-nghiep/xac-minh").get_data(as_text=True)
    client.form_post(f"/doanh-nghiep/{business.id}/xac-minh", {"decision": "verify"})
    assert db.session.get(BusinessBuyer, business.id).status == BusinessStatus.VERIFIED

    client.get("/logout")
    login(client, buyer)
    assert client.get("/nhu-cau/dang").status_code == 200
    posted = client.form_post("/nhu-cau/dang", demand_values(title="Gà đồi", max_price_vnd="", category=""))
    assert posted.status_code == 302
    assert db.session.scalar(select(Demand.title).where(Demand.buyer_id == buyer.id)) == "Gà đồi"


def test_a_demand_form_with_mistakes_says_so_next_to_the_fields(client):
    login(client, make_business())
    response = client.form_post("/nhu-cau/dang", demand_values(quantity="-3", needed_by="2020-01-01"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nhập số nguyên từ 1" in page and "Ngày cần hàng phải sau hôm nay." in page


def test_a_seller_offers_on_the_page_and_the_kitchen_accepts_there(client):
    kitchen = make_business()
    demand = make_demand(kitchen)
    grower = make_user(Role.COOPERATIVE, cooperative=make_cooperative(name="HTX Rau sạch Đồng Chằm"))
    product = make_product(grower.cooperative, category_id=category_id(), stock=100)
    login(client, grower)
    wrong = client.form_post(f"/nhu-cau/{demand.id}/chao-hang", {"price_vnd": "abc", "quantity": "5"})
    assert wrong.status_code == 422 and "Chọn ngày." in wrong.get_data(as_text=True)
    values = {
        "price_vnd": "29000",
        "quantity": "15",
        "deliver_by": demand.needed_by.isoformat(),
        "product_id": product.id,
    }
    assert client.form_post(f"/nhu-cau/{demand.id}/chao-hang", values).status_code == 302
    offer = db.session.scalar(select(Offer).where(Offer.demand_id == demand.id))

    client.get("/logout")
    login(client, kitchen)
    page = client.get(f"/nhu-cau/{demand.id}").get_data(as_text=True)
    assert "HTX Rau sạch Đồng Chằm" in page and "0912 345 678" not in page  # the seller's phone: not yet
    client.form_post(f"/chao-hang/{offer.id}/nhan", {"payment_method": "cod"})
    assert db.session.get(Offer, offer.id).status == OfferStatus.ACCEPTED
    order = db.session.scalar(select(Order).where(Order.buyer_id == kitchen.id))
    assert order.cooperative_id == grower.cooperative_id and order.subtotal_vnd == 29_000 * 15
    assert "0912 345 678" in client.get(f"/nhu-cau/{demand.id}").get_data(as_text=True)


def test_seasonal_supply_declared_by_a_seller_shows_on_matching_demands(client):
    demand = make_demand()
    near = make_user(Role.COOPERATIVE, cooperative=make_cooperative(name="HTX Chuối Đồng Chằm", commune_code=LIEN_SON))
    login(client, near)
    window = {"harvest_from": demand.needed_by.isoformat(), "harvest_to": demand.needed_by.isoformat()}
    declared = client.form_post(
        "/nhu-cau/mua-vu",
        {"title": "Chuối tiêu hồng Viba", "category": "nong-san-tuoi", "quantity": "2000", "unit": "kg", **window},
    )
    assert declared.status_code == 302
    bad = client.form_post("/nhu-cau/mua-vu", {"title": "", "quantity": "0", "unit": "kg", **window})
    assert bad.status_code == 422 and "Bắt buộc." in bad.get_data(as_text=True)
    client.get("/logout")
    far = make_user(Role.COOPERATIVE)  # Thanh Hóa: another province
    login(client, far)
    client.form_post(
        "/nhu-cau/mua-vu",
        {"title": "Chuối Thanh Hóa", "category": "nong-san-tuoi", "quantity": "9", "unit": "kg", **window},
    )
    client.get("/logout")
    page = client.get(f"/nhu-cau/{demand.id}").get_data(as_text=True)
    assert "HTX Chuối Đồng Chằm: Chuối tiêu hồng Viba" in page and "Chuối Thanh Hóa" not in page
