"""Each role sees only the links it may use, lands on its own home after signing in, and finds its waiting work
there: the cooperative's "Việc cần làm", the commune staff's to-do on the dashboard, the admin's menu."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from catalog import services as catalog_services
from catalog.models import Category, ProductStatus
from marketplace.extensions import db
from marketplace.models import CooperativeStatus, Role
from marketplace.text import today_vn, utcnow
from orders.models import OrderStatus
from tests.factories import VAN_SON, login, make_cooperative, make_product, make_user
from tests.factories.catalog import make_draft
from tests.factories.orders import PaymentMethod
from tests.factories.traceability import make_batch, make_labels
from tests.factories.workspace import make_order

COOPERATIVE_PAGES = ("/cooperative/", "/cooperative/orders", "/cooperative/products", "/cooperative/settings")
ADMIN_PAGES = ("/admin/", "/admin/staff", "/admin/categories")


def _links(page: str, region: str) -> set[str]:
    """The hrefs inside the first element matching `region` (a regex of its opening tag up to its closing tag)."""
    match = re.search(region, page, re.S)
    assert match, region
    return set(re.findall(r'href="([^"#]+)"', match.group(1)))


def header_links(page: str) -> set[str]:
    return _links(page, r'<nav class="nav">(.*?)</nav>')


def account_links(page: str) -> set[str]:
    return _links(page, r'<ul class="links">(.*?)</ul>')


@pytest.fixture
def people(app):
    staff = make_user(Role.COMMUNE_STAFF, email="xa@example.vn", commune_code=VAN_SON)
    people = {
        Role.BUYER: make_user(Role.BUYER, email="khach@example.vn"),
        Role.COOPERATIVE: make_user(Role.COOPERATIVE, email="htx@example.vn"),
        Role.COMMUNE_STAFF: staff,
        Role.ADMIN: make_user(Role.ADMIN, email="tinh@example.vn"),
    }
    db.session.commit()
    return people


def _forbidden_prefixes(role: Role) -> tuple[str, ...]:
    return {
        Role.BUYER: ("/cooperative/", "/admin", "/commune"),
        Role.COOPERATIVE: ("/admin", "/commune"),
        Role.COMMUNE_STAFF: ("/cooperative/", "/admin"),
        Role.ADMIN: ("/cooperative/",),
    }[role]


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_only_links_it_may_open_and_each_answers(client, people, role):
    login(client, people[role])
    page = client.get("/account/").get_data(as_text=True)
    links = header_links(page) | account_links(page)
    shown = [link for link in links if link.startswith(_forbidden_prefixes(role)) and link != "/cooperative/apply"]
    assert shown == []
    for link in sorted(links):
        if link.startswith(("/account", "/orders", "/cart", "/jobs", "/commune", "/admin", "/cooperative")):
            assert client.get(link).status_code == 200, link


def test_cooperative_member_has_their_seller_pages_and_no_commune_or_admin(client, people):
    login(client, people[Role.COOPERATIVE])
    page = client.get("/account/").get_data(as_text=True)
    links = header_links(page) | account_links(page)
    assert {"/cooperative/", "/cooperative/orders", "/cooperative/products", "/cooperative/batches"} <= links
    assert not {link for link in links if link.startswith(("/admin", "/commune"))}


def test_admin_is_linked_to_the_admin_pages_and_they_keep_the_admin_menu(client, people):
    login(client, people[Role.ADMIN])
    page = client.get("/account/").get_data(as_text=True)
    assert "/admin/" in header_links(page) and "/admin/" in account_links(page)
    for url in ADMIN_PAGES:
        sub_page = client.get(url).get_data(as_text=True)
        menu = _links(sub_page, r'<ul class="admin-nav">(.*?)</ul>')
        assert {"/admin/", "/admin/staff", "/admin/categories", "/admin/communes"} <= menu, url


def test_commune_staff_get_their_workspace_and_nothing_of_a_cooperative(client, people):
    login(client, people[Role.COMMUNE_STAFF])
    page = client.get("/account/").get_data(as_text=True)
    links = header_links(page) | account_links(page)
    assert "/commune/" in links
    assert "Đơn hàng của hợp tác xã" not in page and "Lô hàng và truy xuất nguồn gốc" not in page
    assert client.get("/admin/").status_code == 403


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.BUYER, "/"),
        (Role.COOPERATIVE, "/cooperative/"),
        (Role.COMMUNE_STAFF, "/commune/"),
        (Role.ADMIN, "/admin/"),
    ],
)
def test_signing_in_lands_on_the_role_home(client, people, role, home):
    response = login(client, people[role])
    assert response.status_code == 302
    assert response.headers["Location"] == home
    assert client.get(home).status_code == 200


def test_signing_in_with_next_goes_there_instead(client, people):
    response = client.form_post("/login?next=/orders/", {"email": "htx@example.vn", "password": "mat-khau-an-toan"})
    assert response.headers["Location"] == "/orders/"


def _card(page: str, key: str) -> int:
    match = re.search(rf'<a class="todo-card[^"]*" href="([^"]+)" data-todo="{key}"><b[^>]*>(\d+)</b>', page)
    assert match, key
    return int(match.group(2))


def _card_url(page: str, key: str) -> str:
    return re.search(rf'<a class="todo-card[^"]*" href="([^"]+)" data-todo="{key}">', page).group(1)


def test_cooperative_home_counts_the_waiting_work_and_each_card_opens_its_list(client, people):
    member = people[Role.COOPERATIVE]
    cooperative = member.cooperative
    buyer = people[Role.BUYER]
    honey = make_product(cooperative, name="Mật ong hoa nhãn", stock=40)
    make_product(cooperative, name="Nấm mèo khô", stock=3)
    make_product(
        cooperative,
        name="Miến dong",
        status=ProductStatus.REJECTED,
        published_at=None,
        rejection_reason="Ảnh bị mờ, chụp lại giúp xã",
    )
    paid = make_order(buyer, {honey: 1}, OrderStatus.PAID, utcnow())
    cash = make_order(buyer, {honey: 1}, OrderStatus.AWAITING_CONFIRMATION, utcnow(), method=PaymentMethod.COD)
    confirmed = make_order(buyer, {honey: 2}, OrderStatus.CONFIRMED, utcnow())
    shipped = make_order(buyer, {honey: 1}, OrderStatus.SHIPPED, utcnow())
    unlabelled = make_batch(member, product=honey, lot="MO-01")
    make_labels(make_batch(member, product=honey, lot="MO-02"))
    other = make_user(Role.COOPERATIVE)
    make_order(buyer, {make_product(other.cooperative): 1}, OrderStatus.PAID, utcnow())  # someone else's
    db.session.commit()

    login(client, member)
    page = client.get("/cooperative/").get_data(as_text=True)
    assert (_card(page, "confirm"), _card(page, "ship"), _card(page, "rejected")) == (2, 1, 1)
    assert (_card(page, "low-stock"), _card(page, "labels")) == (1, 1)
    assert "Ảnh bị mờ, chụp lại giúp xã" in page  # the reason the commune gave
    assert "Nấm mèo khô" in page and f"/cooperative/batches/{unlabelled.code}/labels" in page
    assert "MO-02" not in page
    to_confirm = client.get(_card_url(page, "confirm").replace("&amp;", "&")).get_data(as_text=True)
    assert paid.code in to_confirm and cash.code in to_confirm
    assert confirmed.code not in to_confirm and shipped.code not in to_confirm
    to_ship = client.get(_card_url(page, "ship")).get_data(as_text=True)
    assert confirmed.code in to_ship and paid.code not in to_ship
    rejected = client.get(_card_url(page, "rejected")).get_data(as_text=True)
    assert "Miến dong" in rejected and "Mật ong hoa nhãn" not in rejected


def test_cooperative_home_is_for_cooperative_members_only(client, people):
    login(client, people[Role.BUYER])
    assert client.get("/cooperative/").status_code == 403


def test_commune_to_do_comes_first_with_counts_that_link(client, people):
    staff = people[Role.COMMUNE_STAFF]
    seller = make_cooperative(name="Hợp tác xã Chè Vạn Sơn")
    waiting = make_cooperative(name="Tổ hợp tác Mật ong Đồng Thắng", status=CooperativeStatus.PENDING)
    waiting.submitted_at = utcnow()
    for name in ("Chè búp", "Chè móc câu"):
        make_product(seller, name=name, status=ProductStatus.PENDING_REVIEW, published_at=None)
    soon = make_product(seller, name="Nấm hương rừng", ocop_stars=4)
    soon.certificate.expires_on = today_vn() + timedelta(days=30)
    later = make_product(seller, name="Chè shan tuyết", ocop_stars=4)
    later.certificate.expires_on = today_vn() + timedelta(days=80)
    db.session.commit()

    login(client, staff)
    page = client.get("/commune/").get_data(as_text=True)
    assert page.index('id="viec-can-lam"') < page.index('class="ws-summary"') < page.index("ws-figure")
    assert _card(page, "review") == 2 and _card_url(page, "review") == "/commune/review/"
    assert _card(page, "applications") == 1 and _card(page, "bank") == 0
    assert _card(page, "certificates") == 1  # within 60 days; the 80-day one is not due yet
    assert "Tổ hợp tác Mật ong Đồng Thắng" in page
    tiles = re.findall(r'<a class="ws-tile" href="#([^"]+)">', page)
    assert len(tiles) == 9 and all(f'id="{anchor}"' in page for anchor in tiles)


def test_staff_get_a_notice_for_every_product_entering_their_queue(client, people):
    staff = people[Role.COMMUNE_STAFF]
    owner = people[Role.COOPERATIVE]
    drafts = [make_draft(owner, name=name) for name in ("Chè búp", "Miến dong", "Mật ong hoa nhãn")]
    db.session.commit()
    for draft in drafts:
        catalog_services.submit_product(owner, draft)
    db.session.commit()

    login(client, staff)
    page = client.get("/account/").get_data(as_text=True)
    assert "Chưa có thông báo" not in page
    for name in ("Chè búp", "Miến dong", "Mật ong hoa nhãn"):
        assert f"Có sản phẩm mới chờ xã duyệt: “{name}”." in page


def test_english_ui_names_built_in_categories_units_and_the_new_product_form(client, people):
    food = db.session.scalar(db.select(Category).where(Category.slug == "thuc-pham"))
    make_product(
        people[Role.COOPERATIVE].cooperative,
        name="Mật ong hoa nhãn",
        unit="hộp",
        slug="mat-ong-hoa-nhan",
        category_id=food.id,
    )  # a home chip shows only a group with public products
    db.session.commit()
    client.get("/lang/en?next=/")
    home = client.get("/").get_data(as_text=True)
    assert ">Food</a>" in home and ">Thực phẩm</a>" not in home
    product = client.get("/p/mat-ong-hoa-nhan").get_data(as_text=True)
    assert "/ box" in product and "/ hộp" not in product
    login(client, people[Role.COOPERATIVE])
    client.get("/lang/en?next=/")
    form = client.get("/cooperative/products/new").get_data(as_text=True)
    assert "<h1>New product</h1>" in form and "New arrivals" not in form
    assert '<option value="hộp">box</option>' in form
    assert "Fresh produce: vegetables, roots, fruit" in form


def test_a_renamed_built_in_category_shows_its_new_name_in_english(client, people):
    food = db.session.scalar(db.select(Category).where(Category.slug == "thuc-pham"))
    food.name = "Đặc sản ăn được"
    make_product(people[Role.COOPERATIVE].cooperative, category_id=food.id)  # the home lists groups with products
    db.session.commit()
    try:
        client.get("/lang/en?next=/")
        assert ">Đặc sản ăn được</a>" in client.get("/").get_data(as_text=True)
    finally:  # categories are reference data kept between tests: put the built-in name back
        food.name = "Thực phẩm"
        db.session.commit()


def test_photo_inputs_open_the_gallery_and_the_form_says_it_is_sending(client, people):
    login(client, people[Role.COOPERATIVE])
    form = client.get("/cooperative/products/new").get_data(as_text=True)
    photo_input = re.search(r'<input id="photos"[^>]*>', form).group(0)
    assert "capture" not in photo_input and 'accept="image/*"' in photo_input and "multiple" in photo_input
    assert 'data-sending="Đang gửi…"' in form
    assert "capture=" not in client.get("/cooperative/batches/new").get_data(as_text=True)


def test_admin_home_shows_what_waits_in_every_commune(client, people):
    make_cooperative(name="Tổ hợp tác Mật ong Đồng Thắng", status=CooperativeStatus.PENDING)
    make_product(
        people[Role.COOPERATIVE].cooperative, name="Chè búp", status=ProductStatus.PENDING_REVIEW, published_at=None
    )
    db.session.commit()
    login(client, people[Role.ADMIN])
    page = client.get("/admin/").get_data(as_text=True)
    assert (_card(page, "cooperatives"), _card(page, "review"), _card(page, "deliveries")) == (1, 1, 0)
    assert "Tổ hợp tác Mật ong Đồng Thắng" in client.get(_card_url(page, "cooperatives")).get_data(as_text=True)
    assert "Chè búp" in client.get(_card_url(page, "review")).get_data(as_text=True)
