"""Buyers find published products the way they type on a phone: no accents, đ as d, half words, one typo."""

from __future__ import annotations

import math

import pytest

from catalog import services
from catalog.models import ProductSearchDoc, ProductStatus
from catalog.search import SearchQuery, get_backend
from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import LIEN_SON, MUONG_LAT, VAN_SON, make_user
from tests.factories.catalog import make_draft, make_listed, make_published

# name, category slug, commune, OCOP stars, price
CORPUS = [
    ("Nấm mèo khô Vạn Sơn", "nong-san-so-che", VAN_SON, 4, 125_000),
    ("Nấm hương rừng sấy khô", "nong-san-so-che", VAN_SON, None, 260_000),
    ("Dưa chuột muối chua", "thuc-pham-che-bien", LIEN_SON, 3, 45_000),
    ("Mật ong bạc hà Mèo Vạc", "mat-ong", LIEN_SON, 5, 380_000),
    ("Chè Shan tuyết cổ thụ", "che-ca-phe", MUONG_LAT, 4, 520_000),
    ("Đậu đỏ hữu cơ", "nong-san-so-che", VAN_SON, None, 60_000),
    ("Rượu ngô men lá", "do-uong-co-con", MUONG_LAT, 3, 150_000),
    ("Khăn thổ cẩm dệt tay", "det-may-theu", MUONG_LAT, None, 90_000),
    ("Gạo nếp cái hoa vàng", "nong-san-tuoi", LIEN_SON, 4, 35_000),
    ("Cao atiso Đà Lạt", "duoc-lieu-tuoi-kho", LIEN_SON, 3, 210_000),
    ("Đường phèn mía", "gia-vi", VAN_SON, None, 40_000),
    ("Bánh đa nem làng Chều", "thuc-pham-che-bien", VAN_SON, None, 30_000),
]

# query, product expected first (or None: nothing at all), note
RELEVANCE = [
    ("Nấm mèo", "Nấm mèo khô Vạn Sơn", "exact"),
    ("nam meo", "Nấm mèo khô Vạn Sơn", "no accents"),
    ("NAM MEO", "Nấm mèo khô Vạn Sơn", "upper case"),
    ("nẤm MèO", "Nấm mèo khô Vạn Sơn", "mixed case"),
    ("nam me", "Nấm mèo khô Vạn Sơn", "half word"),
    ("nam meoo", "Nấm mèo khô Vạn Sơn", "one extra letter"),
    ("nam huong", "Nấm hương rừng sấy khô", "no accents"),
    ("nấm hưong", "Nấm hương rừng sấy khô", "half the accents"),
    ("nam huogn", "Nấm hương rừng sấy khô", "neighbours swapped"),
    ("dua chuot", "Dưa chuột muối chua", "đ/ư/ộ folded"),
    ("dưa chuọt", "Dưa chuột muối chua", "wrong tone mark"),
    ("dua chout", "Dưa chuột muối chua", "typo"),
    ("dưa chuột", "Dưa chuột muối chua", "exact"),
    ("mat ong", "Mật ong bạc hà Mèo Vạc", "no accents"),
    ("mật ong bạc hà", "Mật ong bạc hà Mèo Vạc", "exact"),
    ("meo vac", "Mật ong bạc hà Mèo Vạc", "place name inside the name"),
    ("mat on", "Mật ong bạc hà Mèo Vạc", "half word"),
    ("che shan tuyet", "Chè Shan tuyết cổ thụ", "no accents"),
    ("chè shan", "Chè Shan tuyết cổ thụ", "partial"),
    ("shan tuyte", "Chè Shan tuyết cổ thụ", "typo at the end"),
    ("dau do", "Đậu đỏ hữu cơ", "đ → d"),
    ("Đậu Đỏ", "Đậu đỏ hữu cơ", "capital Đ"),
    ("dau do huu co", "Đậu đỏ hữu cơ", "all words"),
    ("ruou ngo", "Rượu ngô men lá", "no accents"),
    ("rượu ngo", "Rượu ngô men lá", "mixed"),
    ("tho cam", "Khăn thổ cẩm dệt tay", "no accents"),
    ("khan tho cam det tay", "Khăn thổ cẩm dệt tay", "whole name"),
    ("gao nep", "Gạo nếp cái hoa vàng", "no accents"),
    ("nep cai hoa vang", "Gạo nếp cái hoa vàng", "middle of the name"),
    ("atiso", "Cao atiso Đà Lạt", "single word"),
    ("atisso", "Cao atiso Đà Lạt", "one extra letter"),
    ("da lat", "Cao atiso Đà Lạt", "Đà Lạt folded"),
    ("duong phen", "Đường phèn mía", "đ → d"),
    ("duong phem", "Đường phèn mía", "typo in the last word"),
    ("banh da nem", "Bánh đa nem làng Chều", "no accents"),
    ("muong lat ruou", "Rượu ngô men lá", "commune name plus a word"),
    ("mat ong", "Mật ong bạc hà Mèo Vạc", "repeat query"),
    ("xyzzy", None, "nothing like it"),
    ("nam linh chi", None, "a draft is never found"),
]


def _corpus() -> dict[str, int]:
    ids = {}
    for name, category, commune, stars, price in CORPUS:
        ids[name] = make_listed(name, category, commune, stars, price).id
    owner = make_user(Role.COOPERATIVE)
    make_draft(owner, name="Nấm linh chi đỏ")  # a draft: never found
    db.session.commit()
    return ids


def _names(client, query: str, **params) -> list[str]:
    response = client.get("/api/v1/products", query_string={"q": query, **params})
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


def test_thirty_nine_vietnamese_queries_find_the_right_product(client):
    _corpus()
    misses = []
    for query, expected, note in RELEVANCE:
        names = _names(client, query)
        if (expected is None and names) or (expected is not None and (not names or names[0] != expected)):
            misses.append((query, note, expected, names[:3]))
    assert misses == []
    assert len(RELEVANCE) >= 30


def test_search_page_finds_by_name_without_accents_and_offers_the_correction(client):
    _corpus()
    page = client.get("/search?q=dua+chout").get_data(as_text=True)
    assert "Dưa chuột muối chua" in page and "Nấm mèo khô Vạn Sơn" not in page
    assert "Đã tìm cả:" in page and "chuot" in page
    page = client.get("/search?q=nam+meo").get_data(as_text=True)
    assert 'name="q"' in page and "Nấm mèo khô Vạn Sơn" in page


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("xhuot", "chuot"),  # the first letter wrong
        ("hcuot", "chuot"),  # the first two letters swapped
        ("achuot", "chuot"),  # a letter before the word
        ("huong", None),  # the word itself, found as typed
        ("uyet", "tuyet"),  # the first letter missing
        ("huon", None),  # a prefix of a known word: no correction
        ("ghuong", "huong"),  # a letter before the word
        ("chuoy", "chuot"),  # the last letter wrong
        ("tuyte", "tuyet"),  # the last two letters swapped
        ("phenn", "phen"),  # a letter after the word
        ("atisso", "atiso"),  # a letter inside
    ],
)
def test_a_typo_anywhere_in_a_word_is_corrected(client, typed, found):
    """One typo is corrected wherever it is in the word, the first letter too (`vocabulary._candidates` narrows the
    vocabulary by that letter or by the rest of the word); "Đã tìm cả" names the word searched instead."""
    _corpus()
    page = client.get("/search", query_string={"q": typed}).get_data(as_text=True)
    if found is None:
        assert "Đã tìm cả:" not in page
    else:
        assert "Đã tìm cả:" in page and found in page.split("Đã tìm cả:", 1)[1][:200]


def test_filters_by_province_commune_category_and_stars(client):
    _corpus()
    # the two with "nấm" in their name first; "Đậu đỏ" matches through its category "…: nấm, hạt, đồ khô"
    assert set(_names(client, "nam")[:2]) == {"Nấm mèo khô Vạn Sơn", "Nấm hương rừng sấy khô"}
    assert set(_names(client, "nam", commune=VAN_SON, per_page=50)) == {
        "Nấm mèo khô Vạn Sơn",
        "Nấm hương rừng sấy khô",
        "Đậu đỏ hữu cơ",
    }
    in_lien_son = _names(client, "", commune=LIEN_SON, per_page=50)
    assert in_lien_son[0] == "Mật ong bạc hà Mèo Vạc"  # 5 stars first when nothing is typed
    assert set(in_lien_son) == {
        "Mật ong bạc hà Mèo Vạc",
        "Cao atiso Đà Lạt",
        "Gạo nếp cái hoa vàng",
        "Dưa chuột muối chua",
    }
    assert set(_names(client, "", province="thanh-hoa", ocop_stars=4, per_page=50)) == {
        "Nấm mèo khô Vạn Sơn",
        "Chè Shan tuyết cổ thụ",
    }
    assert set(_names(client, "", category="do-uong", per_page=50)) == {"Rượu ngô men lá"}
    thuc_pham = set(_names(client, "", category="thuc-pham", per_page=50))  # a group includes its sub-categories
    assert {"Nấm mèo khô Vạn Sơn", "Mật ong bạc hà Mèo Vạc", "Dưa chuột muối chua"} <= thuc_pham
    assert "Rượu ngô men lá" not in thuc_pham
    assert _names(client, "nam", ocop_stars=5) == []
    page = client.get("/search?q=&province=25&stars=5").get_data(as_text=True)  # Phú Thọ
    assert "Mật ong bạc hà Mèo Vạc" in page


def test_unknown_filters_are_a_clear_404_not_a_500(client):
    _corpus()
    for params in ({"province": "khong-co-tinh-nay"}, {"category": "khong-co"}):
        response = client.get("/api/v1/products", query_string=params)
        assert response.status_code == 404
        assert response.get_json()["error"]["message"]
    assert client.get("/api/v1/products?ocop_stars=7").status_code == 422


def test_empty_query_ranks_by_stars_and_a_query_by_relevance_then_stars(client):
    make_listed("Mật ong rừng bản A", "mat-ong", VAN_SON, 3)
    make_listed("Mật ong rừng bản B", "mat-ong", VAN_SON, 5)
    make_listed("Mật ong rừng bản C", "mat-ong", VAN_SON, None)
    make_listed("Sáp ong và mật ong rừng", "mat-ong", VAN_SON, 5)
    db.session.commit()
    names = _names(client, "mat ong rung ban")
    assert names == ["Mật ong rừng bản B", "Mật ong rừng bản A", "Mật ong rừng bản C"]
    assert set(_names(client, "")[:2]) == {"Sáp ong và mật ong rừng", "Mật ong rừng bản B"}
    assert _names(client, "")[-1] == "Mật ong rừng bản C"


def test_facet_counts(app):
    _corpus()
    result = get_backend().search(SearchQuery(text=""))
    assert result.total == len(CORPUS)
    facets = result.facets
    assert sum(facets["province_code"].values()) == len(CORPUS)
    assert facets["commune_code"] == {str(VAN_SON): 5, str(LIEN_SON): 4, str(MUONG_LAT): 3}
    assert facets["stars"] == {"4": 3, "3": 3, "5": 1}
    assert facets["price_band"] == {
        "0-50000": 4,
        "50000-100000": 2,
        "100000-200000": 2,
        "200000-500000": 3,
        "500000-": 1,
    }
    roots = facets["category_root_id"]
    assert sum(roots.values()) == len(CORPUS)
    tea = get_backend().search(SearchQuery(text="ruou"))
    assert tea.total == 1 and tea.facets["commune_code"] == {str(MUONG_LAT): 1} and tea.facets["stars"] == {"3": 1}


def test_listing_pages_show_facets_and_paginate(client):
    for n in range(30):
        make_listed(f"Măng khô loại {n:02d}", "nong-san-so-che", VAN_SON, None, 50_000 + n)
    db.session.commit()
    first = client.get("/search?q=mang+kho").get_data(as_text=True)
    assert "30 sản phẩm" in first and first.count('class="tile"') == 24
    assert "?q=mang+kho&amp;page=2" in first or "page=2" in first
    second = client.get("/search?q=mang+kho&page=2").get_data(as_text=True)
    assert second.count('class="tile"') == 6
    assert client.get("/search?q=mang+kho&page=9").status_code == 404
    assert "Nhóm" in first and "Giá" in first and "Xã/phường" in first
    api = client.get("/api/v1/products?q=mang&per_page=10&page=3").get_json()
    assert api["total"] == 30 and api["page"] == 3 and len(api["items"]) == 10
    seen = set()
    for page in (1, 2, 3):
        seen |= {i["id"] for i in client.get(f"/api/v1/products?q=mang&per_page=10&page={page}").get_json()["items"]}
    assert len(seen) == 30


def test_autocomplete_answers_while_typing(client):
    _corpus()
    assert client.get("/search/suggest?q=n").get_json() == []
    names = [s["name"] for s in client.get("/search/suggest?q=nam+m").get_json()]
    assert names[0] == "Nấm mèo khô Vạn Sơn"
    hit = client.get("/search/suggest?q=dua+ch").get_json()[0]
    assert hit["name"] == "Dưa chuột muối chua" and hit["url"].startswith("/p/")


def test_only_published_products_are_ever_found(client):
    owner = make_user(Role.COOPERATIVE)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=owner.cooperative.commune_code)
    pending = make_draft(owner, name="Mộc nhĩ đen chờ duyệt")
    services.submit_product(owner, pending)
    rejected = make_draft(owner, name="Mộc nhĩ đen bị từ chối")
    services.submit_product(owner, rejected)
    services.reject_product(staff, rejected, "Ảnh chưa rõ sản phẩm.")
    live = make_published(owner, staff, name="Mộc nhĩ đen sấy lạnh")
    db.session.commit()
    assert _names(client, "moc nhi") == ["Mộc nhĩ đen sấy lạnh"]
    services.archive_product(owner, live)
    db.session.commit()
    assert _names(client, "moc nhi") == []
    assert "Mộc nhĩ" not in client.get("/search?q=moc+nhi").get_data(as_text=True).split("<h1>")[-1]
    assert client.get("/search/suggest?q=moc").get_json() == []


def test_a_price_edit_of_a_live_product_moves_it_between_price_filters(app):
    owner = make_user(Role.COOPERATIVE)
    live = make_published(owner, name="Mộc nhĩ đen sấy lạnh", price_vnd="45.000")
    db.session.commit()

    def found(band: str) -> list[int]:
        return get_backend().search(SearchQuery(text="moc nhi", price_band=band)).ids

    assert found("0-50000") == [live.id]
    services.set_price_stock(owner, live, price_vnd=120_000)  # the index listens to catalog.signals
    db.session.commit()
    assert (found("0-50000"), found("100000-200000")) == ([], [live.id])


def test_an_unknown_backend_is_a_clear_error(app):
    assert {type(get_backend(name)).id for name in ("sql", "meilisearch")} == {"sql", "meilisearch"}
    with pytest.raises(RuntimeError, match="unknown SEARCH_BACKEND 'elastic'; known: meilisearch, sql"):
        get_backend("elastic")


def test_reindex_command_rebuilds_the_index(app, client):
    _corpus()
    db.session.execute(ProductSearchDoc.__table__.delete())
    db.session.commit()
    assert _names(client, "nam meo") == []
    result = app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert f"Đã lập chỉ mục {len(CORPUS)} sản phẩm." in result.output
    db.session.commit()
    assert _names(client, "nam meo") == ["Nấm mèo khô Vạn Sơn"]
    assert _names(client, "dua chout") == ["Dưa chuột muối chua"]


@pytest.mark.parametrize("status", [ProductStatus.DRAFT, ProductStatus.PENDING_REVIEW])
def test_product_page_of_an_unpublished_product_is_404(client, status):
    owner = make_user(Role.COOPERATIVE)
    product = make_draft(owner, name="Mộc nhĩ chưa duyệt")
    if status == ProductStatus.PENDING_REVIEW:
        services.submit_product(owner, product)
    db.session.commit()
    assert client.get(f"/p/{product.slug}").status_code == 404


def test_listing_sorts_by_price_and_date(client):
    make_listed("Mật ong rừng loại vừa", "mat-ong", VAN_SON, None, 200_000)
    make_listed("Mật ong rừng loại rẻ", "mat-ong", VAN_SON, None, 90_000)
    make_listed("Mật ong rừng loại đắt", "mat-ong", VAN_SON, None, 450_000)
    db.session.commit()

    def order(sort: str) -> list[str]:
        page = client.get(f"/search?q=mat+ong&sort={sort}").get_data(as_text=True)
        return [n.split("<")[0] for n in page.split("<strong>")[1:] if n.startswith("Mật ong")]

    assert order("price_asc") == [
        "Mật ong rừng loại rẻ",
        "Mật ong rừng loại vừa",
        "Mật ong rừng loại đắt",
    ]
    assert order("price_desc")[0] == "Mật ong rừng loại đắt"
    page = client.get("/search?q=mat+ong&sort=price_asc").get_data(as_text=True)
    assert "Giá thấp đến cao" in page and "sort=price_desc" in page
    assert client.get("/search?q=mat+ong&sort=bogus").status_code == 200


def test_every_sort_of_the_backend_orders_a_typed_search_and_a_page_with_nothing_typed(app):
    """Each sort the SQL backend takes (`sql.ORDERS`, `stars` too, which no page offers) answers a typed query and a
    browse, filtered or not: `stars` puts the most stars first, ties the newest first, then the latest product."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from catalog.models import Category
    from catalog.search import sql

    day = datetime(2025, 3, 1, tzinfo=UTC)
    # name, stars, days after `day` published, price
    honey = [("A", 4, 1, 90_000), ("B", 5, 0, 60_000), ("C", None, 5, 30_000), ("D", 4, 3, 450_000)]
    honey += [("E", 5, 2, 120_000), ("F", 4, 3, 200_000), ("G", 3, 4, 75_000)]
    ids = {
        letter: make_listed(
            f"Mật ong rừng {letter}", "mat-ong", VAN_SON, stars, price, published_at=day + timedelta(n)
        ).id
        for letter, stars, n, price in honey
    }
    make_listed("Rượu ngô men lá", "do-uong-co-con", VAN_SON, 5, 100_000)  # neither typed nor in the group
    db.session.commit()
    names = {pid: letter for letter, pid in ids.items()}
    group = db.session.scalar(select(Category.parent_id).where(Category.slug == "mat-ong"))
    docs = db.session.scalars(select(ProductSearchDoc).where(ProductSearchDoc.product_id.in_(ids.values()))).all()
    keys = {
        "stars": lambda d: (-d.stars, -d.published_at.timestamp(), -d.product_id),
        "newest": lambda d: (-d.published_at.timestamp(), -d.product_id),
        "price_asc": lambda d: (d.price_vnd, -d.product_id),
        "price_desc": lambda d: (-d.price_vnd, -d.product_id),
    }
    keys["relevance"] = keys["stars"]  # nothing typed; typed, the names tie on every word and length
    assert set(keys) == set(sql.ORDERS)
    backend = get_backend()
    for sort, key in keys.items():
        expected = [names[d.product_id] for d in sorted(docs, key=key)]
        for text, filters in (("", {"category_id": group}), ("mat ong", {}), ("mat ong", {"category_id": group})):
            result = backend.search(SearchQuery(text=text, sort=sort, **filters))
            paged = [
                backend.search(SearchQuery(text=text, sort=sort, page=n, per_page=3, **filters)) for n in (1, 2, 3)
            ]
            assert [names[pid] for pid in result.ids] == expected, (sort, text, filters)
            assert [pid for r in paged for pid in r.ids] == result.ids and result.total == len(ids), (sort, text)
    every = backend.search(SearchQuery(text="", sort="stars"))
    assert [names.get(pid, "rượu") for pid in every.ids] == ["rượu", "E", "B", "F", "D", "A", "G", "C"]


def test_listing_on_a_phone_folds_filters_orders_prices_and_says_when_a_category_is_empty(client):
    _corpus()
    page = client.get("/search?q=").get_data(as_text=True)
    assert '<details class="filters"><summary>Lọc</summary>' in page  # folded: products come first on a phone
    bands = ["Dưới 50.000 ₫", "50.000 – 100.000 ₫", "100.000 – 200.000 ₫", "200.000 – 500.000 ₫", "Từ 500.000 ₫"]
    assert [page.index(band) for band in bands] == sorted(page.index(band) for band in bands)
    filtered = client.get("/search?q=&stars=4").get_data(as_text=True)
    assert '<details class="filters" open><summary>Lọc <span class="badge">1</span>' in filtered

    empty = client.get("/c/gom-su").get_data(as_text=True)  # pottery: nothing listed in the corpus
    assert "Danh mục này chưa có sản phẩm nào." in empty and "Thử gõ ít chữ hơn" not in empty
    assert (
        "Xem các danh mục khác:" in empty and 'href="/c/thuc-pham"' in empty and 'href="/c/thu-cong-my-nghe"' in empty
    )
    assert "Thử gõ ít chữ hơn" in client.get("/search?q=xyzzy").get_data(as_text=True)

    home = client.get("/").get_data(as_text=True)
    chips = home.split('aria-label="Nhóm sản phẩm"')[1].split("</nav>")[0]
    assert 'href="/c/thuc-pham"' in chips and 'href="/c/do-uong"' in chips
    assert 'href="/c/sinh-vat-canh"' not in chips and 'href="/c/du-lich"' not in chips


def _expected_browse(query: SearchQuery) -> tuple[list[int], int, dict[str, dict[str, int]]]:
    """What a page with nothing typed must show, worked out in Python from every search document."""
    from sqlalchemy import select

    from catalog.models import Category, Product
    from catalog.search import price_band

    docs = db.session.scalars(select(ProductSearchDoc)).all()
    parent = db.session.scalar(select(Category.parent_id).where(Category.id == query.category_id))
    coop = dict(db.session.execute(select(Product.id, Product.cooperative_id)).tuples().all())

    def kept(d: ProductSearchDoc) -> bool:
        checks = [
            not query.category_id or (d.category_id if parent else d.category_root_id) == query.category_id,
            not query.province_code or d.province_code == query.province_code,
            not query.commune_code or d.commune_code == query.commune_code,
            not query.stars or d.stars >= query.stars,
            not query.price_band or price_band(d.price_vnd) == query.price_band,
            not query.cooperative_id or coop[d.product_id] == query.cooperative_id,
        ]
        return all(checks)

    found = [d for d in docs if kept(d)]
    keys = {
        "relevance": lambda d: (-d.stars, -d.published_at.timestamp(), -d.product_id),
        "newest": lambda d: (-d.published_at.timestamp(), -d.product_id),
        "price_asc": lambda d: (d.price_vnd, -d.product_id),
        "price_desc": lambda d: (-d.price_vnd, -d.product_id),
    }
    ordered = sorted(found, key=keys[query.sort])
    page = [d.product_id for d in ordered[query.offset : query.offset + query.per_page]]
    return page, len(found), _expected_facets(found)


def _expected_facets(found: list[ProductSearchDoc]) -> dict[str, dict[str, int]]:
    """The facet counts of these documents, counted in Python from each one's own values."""
    from collections import Counter

    from catalog.search import price_band

    facets = {
        name: dict(Counter(str(getattr(d, name)) for d in found if getattr(d, name) not in (None, 0)))
        for name in ("category_root_id", "category_id", "province_code", "commune_code", "stars")
    }
    facets["price_band"] = dict(Counter(price_band(d.price_vnd) for d in found))
    return facets


def test_pages_with_nothing_typed_read_from_covering_indexes_exactly_as_counting_every_row(app):
    """A group's, a category's, a province's or a commune's page (page, order, total, every facet count) is the
    same whichever covering index answers each part (`sql._browse_indexes`) or when none does, and on PostgreSQL
    before and after the documents are vacuumed (`sql._index_only`)."""
    from sqlalchemy import select

    from catalog.models import Category
    from catalog.search import sql

    _corpus()
    more = [
        (f"Mật ong rừng {n}", "mat-ong", (VAN_SON, LIEN_SON, MUONG_LAT)[n % 3], (None, 3, 4, 5)[n % 4])
        for n in range(9)
    ]
    shared = None
    for n, (name, category, commune, stars) in enumerate(more):
        product = make_listed(name, category, commune, stars, 20_000 + 70_000 * n, cooperative=shared)
        shared = shared or product.cooperative
    db.session.commit()
    honey = db.session.scalar(select(Category).where(Category.slug == "mat-ong"))
    group = honey.parent_id or honey.id
    province = db.session.scalar(select(ProductSearchDoc.province_code).limit(1))
    cases = [
        {"category_id": group},
        {"category_id": group, "sort": "newest"},
        {"category_id": group, "sort": "price_asc", "per_page": 4, "page": 2},
        {"category_id": group, "sort": "price_desc"},
        {"category_id": group, "stars": 4},
        {"category_id": group, "price_band": "100000-200000"},
        {"category_id": group, "cooperative_id": shared.id},
        {"category_id": honey.id},
        {"province_code": province},
        {"province_code": province, "category_id": group, "per_page": 3, "page": 2},
        {"commune_code": VAN_SON},
        {},
    ]
    backend = get_backend()
    try:
        for settled in (False, True):  # PostgreSQL: counts from one pass over the rows, then from the indexes alone
            if settled:
                backend.settle()
            # each statement on purpose, whatever the visibility map holds: VACUUM cannot mark pages all-visible
            # while another test's transaction is older than their rows, and autovacuum may have run (either way
            # PostgreSQL's answers are exact; only their speed differs)
            sql._VISIBLE[str(db.engine.url)] = (math.inf, settled)
            for case in cases:
                query = SearchQuery(text="", **case)
                result = backend.search(query)
                assert (result.ids, result.total, result.facets) == _expected_browse(query), (settled, case)
    finally:
        sql._VISIBLE.clear()


def test_a_typed_search_counts_each_match_by_its_own_values(app):
    """A typed query's total and every facet count are those of its matches, counted one by one, also where the
    documents of one category carry two groups (a category moved to another group, its products not reindexed
    yet): SQLite counts the category and stars/price pairs together by one number (`sql._sorted_facet_counts_sql`)."""
    from sqlalchemy import select, update

    _corpus()
    make_listed("Nấm rơm tươi", "nong-san-so-che", MUONG_LAT, None, 250_000)  # as Nấm hương: no stars, same band
    db.session.commit()
    moved = db.session.scalar(select(ProductSearchDoc).where(ProductSearchDoc.name == "nam huong rung say kho"))
    other_group = db.session.scalar(
        select(ProductSearchDoc.category_root_id).where(ProductSearchDoc.category_root_id != moved.category_root_id)
    )
    db.session.execute(
        update(ProductSearchDoc)
        .where(ProductSearchDoc.product_id == moved.product_id)
        .values(category_root_id=other_group)
    )
    db.session.commit()
    backend = get_backend()
    for text in ("nam", "kho", "mat ong", "dua chout", "ruou", "a"):
        every = backend.search(SearchQuery(text=text, per_page=100, facets=False))
        result = backend.search(SearchQuery(text=text, per_page=4))
        found = db.session.scalars(select(ProductSearchDoc).where(ProductSearchDoc.product_id.in_(every.ids))).all()
        assert every.total == len(every.ids) and result.ids == every.ids[:4], text
        assert (result.total, result.facets) == (every.total, _expected_facets(found)), text
    assert moved.product_id in backend.search(SearchQuery(text="nam", facets=False)).ids


def test_every_count_and_total_is_an_int_on_both_databases(app, client):
    """Whichever statement answers (typed, browsed with or without an index range, on PostgreSQL before and after the
    visibility map is set), every facet count and the total are `int`: PostgreSQL's `SUM` of counts is `numeric`, a
    `Decimal` that would have turned every number of its `UNION ALL` into one. The API's answer keeps its shape."""
    from sqlalchemy import select

    from catalog.models import Category
    from catalog.search import sql

    _corpus()
    group = db.session.scalar(select(Category.id).where(Category.slug == "thuc-pham"))
    queries = [
        SearchQuery(text=""),
        SearchQuery(text="", category_id=group),
        SearchQuery(text="", commune_code=VAN_SON, sort="price_asc"),
        SearchQuery(text="", category_id=group, facets=False),
        SearchQuery(text="nam"),
        SearchQuery(text="a", sort="stars"),
    ]
    backend = get_backend()
    try:
        for settled in (False, True):  # PostgreSQL: one pass over the rows, then the covering indexes alone
            sql._VISIBLE[str(db.engine.url)] = (math.inf, settled)
            for query in queries:
                result = backend.search(query)
                assert type(result.total) is int and result.total > 0, (settled, query)
                assert set(result.facets) == ({*sql.FACET_FIELDS, "price_band"} if query.facets else set())
                for name, counts in result.facets.items():
                    assert counts and {type(n) for n in counts.values()} == {int}, (settled, query, name)
            answer = client.get("/api/v1/products", query_string={"category": "thuc-pham"}).get_json()
            assert set(answer) == {"items", "total", "page"} and type(answer["total"]) is int, settled
    finally:
        sql._VISIBLE.clear()


def test_a_document_deleted_or_changed_behind_the_backend_is_searched_as_it_now_is(app):
    """Whoever writes the search documents (a product's deletion cascades to its document without the backend's
    `remove`), a search reads them as they are: on SQLite the ranks table follows them by trigger (migration 0560)."""
    from sqlalchemy import delete, update

    ids = _corpus()
    backend = get_backend()
    honey, mushroom = ids["Mật ong bạc hà Mèo Vạc"], ids["Nấm mèo khô Vạn Sơn"]
    db.session.execute(delete(ProductSearchDoc).where(ProductSearchDoc.product_id == honey))
    db.session.execute(update(ProductSearchDoc).where(ProductSearchDoc.product_id == mushroom).values(stars=5))
    db.session.commit()
    assert honey not in backend.search(SearchQuery(text="mat ong")).ids
    result = backend.search(SearchQuery(text="nam meo"))
    assert result.ids[0] == mushroom and result.facets["stars"] == {"5": 1}


def test_sqlite_keeps_each_documents_counting_numbers_as_the_search_reads_them(app):
    """The numbers a typed search counts by are kept in `search_ranks` by trigger (migrations 0620, 0630): after
    documents are written, re-priced, re-starred and moved to another category they still decode to the document's
    (group, category), (province, commune), stars and price band, so the counts shown for a typed search follow a
    price or certificate change at once."""
    from sqlalchemy import text, update

    from catalog.search.sql import _price_band_sql

    if db.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite table")
    ids = _corpus()
    honey, mushroom = ids["Mật ong bạc hà Mèo Vạc"], ids["Nấm mèo khô Vạn Sơn"]
    db.session.execute(update(ProductSearchDoc).where(ProductSearchDoc.product_id == honey).values(price_vnd=650_000))
    db.session.execute(
        update(ProductSearchDoc).where(ProductSearchDoc.product_id == mushroom).values(stars=4, category_id=None)
    )
    db.session.commit()
    rows = db.session.execute(
        text(
            "SELECT c.category_root_id, c.category_id, r.facet_key % 30 / 5, r.facet_key % 5, p.province_code, "
            "p.commune_code, COALESCE(d.category_root_id, 0), COALESCE(d.category_id, 0), d.stars, "
            f"{_price_band_sql('d.price_vnd')}, d.province_code, d.commune_code FROM search_ranks r "
            "JOIN product_search_docs d ON d.product_id = r.product_id "
            "JOIN search_categories c ON c.category_key = r.facet_key / 30 "
            "JOIN search_places p ON p.place_key = r.place_key"
        )
    ).all()
    assert len(rows) == len(ids) and all(tuple(row[:6]) == tuple(row[6:]) for row in rows)
    result = get_backend().search(SearchQuery(text="mat ong bac ha"))
    assert result.ids[0] == honey and result.facets["price_band"]["500000-"] >= 1
    assert get_backend().search(SearchQuery(text="nam meo kho")).facets["stars"] == {"4": 1}


def test_documents_of_one_category_under_two_groups_are_counted_under_each(app):
    """A category moved to another group leaves its documents with the old group until each is written again: a
    typed search counts every (group, category) and (province, commune) its matches hold, as they are."""
    from collections import Counter

    from sqlalchemy import update

    ids = _corpus()
    mushroom, shiitake = ids["Nấm mèo khô Vạn Sơn"], ids["Nấm hương rừng sấy khô"]
    group = db.session.get(ProductSearchDoc, shiitake).category_root_id
    db.session.execute(
        update(ProductSearchDoc)
        .where(ProductSearchDoc.product_id == mushroom)
        .values(category_root_id=group + 1000, province_code=99)
    )
    db.session.commit()
    result = get_backend().search(SearchQuery(text="nam"))
    found = [db.session.get(ProductSearchDoc, product_id) for product_id in result.ids]
    assert mushroom in result.ids and shiitake in result.ids and result.total == len(found)
    for field in ("category_root_id", "category_id", "province_code", "commune_code"):
        assert result.facets[field] == dict(Counter(str(getattr(doc, field)) for doc in found)), field
    assert result.facets["category_root_id"][str(group + 1000)] == 1


def test_sqlite_reads_the_database_through_mmap(app):
    from sqlalchemy import text

    from marketplace.database import SQLITE_MMAP_BYTES

    if db.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite setting")
    assert db.session.execute(text("PRAGMA mmap_size")).scalar() == SQLITE_MMAP_BYTES


def test_a_word_right_after_punctuation_is_found_on_both_databases(client):
    """Words are what FTS5 (SQLite) and the document's tsvector (PostgreSQL) split on letters and digits: a word
    after a bracket or a comma is found as one after a space is."""
    make_listed("Chè xanh búp", "che-ca-phe", MUONG_LAT, description="Hái tay, sao chảo gang (nõn tôm), túi 200g.")
    make_listed("Trà hoa vàng", "che-ca-phe", MUONG_LAT, description="Hoa trà sấy lạnh.")
    db.session.commit()
    assert _names(client, "non tom") == ["Chè xanh búp"]
    assert _names(client, "sao chao") == ["Chè xanh búp"]
    assert _names(client, "200") == ["Chè xanh búp"]
