"""Product feeds at stable URLs: Google Merchant Center (RSS 2.0, g: namespace) and the Facebook/Zalo catalogue
CSV, with every required field, every published product and only those, rebuilt when a product changes."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

from catalog import services
from catalog.models import Product, ProductStatus
from integrations.changes import FEED_TASK, feed_rebuilds
from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import make_cooperative, make_product, make_user, queued_tasks
from tests.factories.integrations import add_photo
from tests.factories.orders import bearer, checkout_body

G = "{http://base.google.com/ns/1.0}"
GOOGLE_REQUIRED = ("id", "title", "description", "link", "image_link", "availability", "price", "condition")
FACEBOOK_REQUIRED = ("id", "title", "description", "availability", "condition", "price", "link", "image_link", "brand")
PRICE = re.compile(r"\d+ VND")
URL = re.compile(r"https://ocop\.test/\S+")


def _catalogue(app):
    coop = make_cooperative(name="Hợp tác xã Chè Suối Giàng")
    tea = make_product(coop, name="Chè Shan tuyết cổ thụ", price_vnd=250_000, stock=8, ocop_stars=4)
    add_photo(app, tea)
    add_photo(app, tea, position=1)
    sold_out = make_product(coop, name="Mật ong bạc hà", price_vnd=300_000, stock=0)
    draft = make_product(coop, name="Bản nháp chưa duyệt", status=ProductStatus.DRAFT)
    db.session.commit()
    return tea, sold_out, draft


def _google_items(client) -> dict[str, ET.Element]:
    response = client.get("/feeds/google.xml")
    assert response.status_code == 200 and response.mimetype == "application/rss+xml"
    root = ET.fromstring(response.data)  # noqa: S314 — our own feed, parsed to check it
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert all(channel.findtext(tag) for tag in ("title", "link", "description"))
    return {item.findtext(f"{G}id"): item for item in channel.findall("item")}


def _facebook_rows(client) -> dict[str, dict]:
    response = client.get("/feeds/facebook.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    reader = csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    assert set(FACEBOOK_REQUIRED) <= set(reader.fieldnames)
    return {row["id"]: row for row in reader}


def test_google_feed_has_every_required_field_for_published_products_only(app, client):
    tea, sold_out, _draft = _catalogue(app)
    items = _google_items(client)
    assert set(items) == {f"OCOP-{tea.id}", f"OCOP-{sold_out.id}"}
    for item in items.values():
        for tag in GOOGLE_REQUIRED:
            assert (item.findtext(f"{G}{tag}") or "").strip(), tag
        assert URL.fullmatch(item.findtext(f"{G}link")) and URL.fullmatch(item.findtext(f"{G}image_link"))
        assert PRICE.fullmatch(item.findtext(f"{G}price")) and item.findtext(f"{G}condition") == "new"
        assert item.findtext(f"{G}brand") or item.findtext(f"{G}gtin") or item.findtext(f"{G}mpn")
        assert item.findtext(f"{G}google_product_category")
    tea_item = items[f"OCOP-{tea.id}"]
    assert tea_item.findtext(f"{G}title") == "Chè Shan tuyết cổ thụ"
    assert tea_item.findtext(f"{G}price") == "250000 VND" and tea_item.findtext(f"{G}availability") == "in_stock"
    assert tea_item.findtext(f"{G}brand") == "Hợp tác xã Chè Suối Giàng"
    assert tea_item.findtext(f"{G}link") == f"https://ocop.test/p/{tea.slug}"
    assert len(tea_item.findall(f"{G}additional_image_link")) == 1
    assert items[f"OCOP-{sold_out.id}"].findtext(f"{G}availability") == "out_of_stock"


def test_facebook_csv_has_the_required_columns_filled(app, client):
    tea, sold_out, _draft = _catalogue(app)
    rows = _facebook_rows(client)
    assert set(rows) == {f"OCOP-{tea.id}", f"OCOP-{sold_out.id}"}
    for row in rows.values():
        assert all(row[column].strip() for column in FACEBOOK_REQUIRED)
        assert row["availability"] in ("in stock", "out of stock") and row["condition"] == "new"
        assert PRICE.fullmatch(row["price"]) and URL.fullmatch(row["link"]) and URL.fullmatch(row["image_link"])
    assert rows[f"OCOP-{tea.id}"]["title"] == "Chè Shan tuyết cổ thụ" and rows[f"OCOP-{tea.id}"]["inventory"] == "8"
    assert rows[f"OCOP-{sold_out.id}"]["availability"] == "out of stock"


def test_feeds_follow_product_changes_and_answer_conditional_gets(app, client):
    tea, sold_out, draft = _catalogue(app)
    first = client.get("/feeds/google.xml")
    assert client.get("/feeds/google.xml", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    owner = make_user(Role.COOPERATIVE, cooperative=tea.cooperative)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=tea.cooperative.commune_code)
    services.set_price_stock(owner, db.session.get(Product, tea.id), price_vnd=230_000)
    services.archive_product(owner, db.session.get(Product, sold_out.id))
    services.transition(db.session.get(Product, draft.id), ProductStatus.PENDING_REVIEW, owner)
    services.approve_product(staff, db.session.get(Product, draft.id))
    db.session.commit()
    assert client.get("/feeds/google.xml", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
    items = _google_items(client)
    assert set(items) == {f"OCOP-{tea.id}", f"OCOP-{draft.id}"}
    assert items[f"OCOP-{tea.id}"].findtext(f"{G}price") == "230000 VND"
    assert set(_facebook_rows(client)) == {f"OCOP-{tea.id}", f"OCOP-{draft.id}"}
    assert client.get("/feeds/other.xml").status_code == 404


def test_ocop_feeds_rebuilds_every_feed(app):
    _catalogue(app)
    result = app.test_cli_runner().invoke(args=["feeds"])
    assert result.exit_code == 0, result.output
    assert "google: 2 sản phẩm" in result.output and "facebook: 2 sản phẩm" in result.output
    written = (Path(app.config["INSTANCE_PATH"]) / "feeds" / "facebook.csv").read_text(encoding="utf-8")
    assert "Chè Shan tuyết cổ thụ" in written and "Bản nháp" not in written


def test_a_burst_of_sales_queues_one_feed_rebuild_per_worker(app, client):
    """Every checkout changes stock; the first change queues a rebuild 30 s ahead, which covers the sales
    committed before it runs, so a busy hour is not thousands of rebuilds."""
    feed_rebuilds.forget(app)
    honey = make_product(name="Mật ong bạc hà", stock=10)
    headers = bearer(make_user())
    waiting = set(queued_tasks(app, FEED_TASK))

    def buy() -> None:
        assert (
            client.post("/api/v1/checkout", json=checkout_body({honey.id: 1}, "cod"), headers=headers).status_code
            == 201
        )

    def new_messages() -> list[str]:
        fresh = sorted(set(queued_tasks(app, FEED_TASK)) - waiting)
        waiting.update(fresh)
        return fresh

    for _ in range(3):
        buy()
    assert len(new_messages()) == 1
    assert db.session.get(Product, honey.id).stock == 7
    feed_rebuilds.forget(app)  # the queued rebuild has run: the next sale queues another
    buy()
    (fresh,) = new_messages()
    folder = Path(app.config["CELERY_BROKER_URL"][len("filesystem://") :]) / "queue"
    eta = datetime.fromisoformat(json.loads((folder / fresh).read_text())["headers"]["eta"])
    assert 20 <= (eta - datetime.now(UTC)).total_seconds() <= 31
