"""Stored XSS through HTML entities: `&lt;img src=x onerror=alert(1)&gt;` typed into a name, a description, an
address or a note is decoded before tags are stripped, so it never comes back as a live tag from the API, a
feed (Google XML, Facebook CSV) or a page."""

from __future__ import annotations

import csv
import io
import re
from xml.etree import ElementTree as ET

import pytest

from catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.models import Role
from marketplace.text import clean_text, utcnow
from orders.models import Order
from tests.factories import api_token, make_product, make_user
from tests.factories.integrations import add_photo
from tests.factories.orders import bearer, checkout_body

ATTACKS = (
    "&lt;img src=x onerror=alert(1)&gt;",
    "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;",
    "&#60;svg onload=alert(1)&#62;",
    "&#x3C;iframe src=javascript:alert(1)&#x3E;",
    "<img src=x onerror=alert(1)>",
    "<<img src=x>img src=x onerror=alert(1)>",
)
TAG = re.compile(r"<\s*/?\s*[a-z!?]", re.IGNORECASE)
G = "{http://base.google.com/ns/1.0}"


def _no_tag(text: str | None) -> bool:
    return not TAG.search(text or "") and "onerror=" not in (text or "") and "onload=" not in (text or "")


@pytest.mark.parametrize("attack", ATTACKS)
def test_clean_text_decodes_then_strips(attack):
    assert _no_tag(clean_text(f"Mật ong {attack} rừng"))


def test_clean_text_keeps_ordinary_text():
    assert clean_text("  Trà & Cà phê <3 giá < 50.000đ  ") == "Trà & Cà phê <3 giá < 50.000đ"
    assert clean_text("Mật ong\nbạc hà") == "Mật ong\nbạc hà"
    assert clean_text(None) is None


def _create(client, headers, attack: str) -> dict:
    body = {
        "name": f"Mật ong {attack} rừng",
        "description": f"Ngon {attack} lắm",
        "price_vnd": 125000,
        "unit": "hũ",
        "stock": 10,
    }
    response = client.post("/api/v1/products", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_api_never_returns_a_live_tag(client):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    headers = api_token(client, owner.email)
    for attack in ATTACKS:
        created = _create(client, headers, attack)
        detail = client.get(f"/api/v1/products/{created['id']}", headers=headers).get_json()
        for data in (created, detail):
            assert _no_tag(data["name"]) and _no_tag(data["description"]), data
            assert data["name"].startswith("Mật ong") and "rừng" in data["name"]


def test_feeds_and_the_product_page_never_carry_a_live_tag(app, client):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    headers = api_token(client, owner.email)
    ids = [_create(client, headers, attack)["id"] for attack in ATTACKS]
    for product_id in ids:  # published by a reviewer, as the workflow would
        product = db.session.get(Product, product_id)
        product.status, product.published_at = ProductStatus.PUBLISHED, utcnow()
        add_photo(app, product)
    db.session.commit()
    root = ET.fromstring(client.get("/feeds/google.xml").data)  # noqa: S314 — our own feed
    items = root.find("channel").findall("item")
    assert len(items) == len(ATTACKS)
    for item in items:
        assert _no_tag(item.findtext("title") or item.findtext(f"{G}title"))
        assert _no_tag(item.findtext("description") or item.findtext(f"{G}description"))
    rows = list(csv.DictReader(io.StringIO(client.get("/feeds/facebook.csv").get_data(as_text=True))))
    assert len(rows) == len(ATTACKS)
    for row in rows:
        assert _no_tag(row["title"]) and _no_tag(row["description"])
    for product_id in ids:
        page = client.get(f"/p/{db.session.get(Product, product_id).slug}").get_data(as_text=True)
        assert not any(tag in page for tag in ("<img src=x", "<script>alert", "<svg onload", "<iframe src=java"))


def test_shipping_name_address_and_note_are_cleaned(client):
    product = make_product(stock=5)
    buyer = make_user()
    db.session.commit()
    attack = ATTACKS[0]
    body = checkout_body(
        {product.id: 1},
        "cod",
        name=f"Trần {attack} Anh",
        address=f"Số 12 {attack}",
        note=f"Gọi trước {attack}",
    )
    response = client.post("/api/v1/checkout", json=body, headers=bearer(buyer))
    assert response.status_code == 201, response.get_json()
    order = db.session.get(Order, response.get_json()["orders"][0]["id"])  # what the seller's desk shows
    assert _no_tag(order.ship_name) and _no_tag(order.ship_address) and _no_tag(order.note)
    assert order.ship_name.startswith("Trần") and order.note.startswith("Gọi trước")
