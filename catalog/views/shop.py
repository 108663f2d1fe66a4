"""Public catalogue pages: home, listings (category, province, commune, cooperative), product, search."""

from __future__ import annotations

import math
from collections.abc import Hashable
from functools import cache
from typing import Any

from flask import Response, current_app, jsonify, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import Select, bindparam, select

from catalog.chips import (
    categories_by_id,
    categories_with_products,
    category_by_slug,
    provinces_with_products,
    subcategories,
)
from catalog.models import Category, OcopCertificate, Product
from catalog.names import category_name
from catalog.product_page import page_parts, read_product_page
from catalog.queries import load_published, published_products, with_valid_certificate
from catalog.search import PRICE_BANDS, SORTS, SearchQuery, get_backend
from catalog.tiles import tile_list, tiles_by_ids
from catalog.validation import find_category
from marketplace.errors import NotFound
from marketplace.extensions import db, limiter
from marketplace.fragments import frozen, kept, render_part
from marketplace.i18n import labels_in_language
from marketplace.models import Commune, Cooperative, Province
from marketplace.ttlcache import TtlCache
from marketplace.units import commune_names, province_names

from .blueprint import bp

PER_PAGE = 24


def _page() -> int:
    return max(1, min(request.args.get("page", 1, type=int) or 1, 1000))


def _facet_names(facets: dict[str, dict[str, int]]) -> dict[str, dict[str, str]]:
    """Readable names for the ids and codes in facet counts."""
    names: dict[str, dict[str, str]] = {}
    category_ids = {int(k) for key in ("category_root_id", "category_id") for k in facets.get(key, {})}
    known = categories_by_id() if category_ids else {}
    names["category"] = {str(i): category_name(known[i]) for i in category_ids if i in known}
    provinces, communes = province_names(), commune_names()
    names["province_code"] = {k: provinces[int(k)] for k in facets.get("province_code", {}) if int(k) in provinces}
    codes = list(facets.get("commune_code", {}))[:30]
    names["commune_code"] = {k: communes[int(k)] for k in codes if int(k) in communes}
    names["price_band"] = price_band_labels()
    return names


SORT_LABELS = {
    "relevance": _l("Phù hợp nhất"),
    "newest": _l("Mới nhất"),
    "price_asc": _l("Giá thấp đến cao"),
    "price_desc": _l("Giá cao đến thấp"),
}


def sort_labels() -> dict[str, str]:
    return labels_in_language(SORT_LABELS)


def price_band_labels() -> dict[str, str]:
    """The price filter's names in the reader's language (worked out once per language and worker)."""
    return _price_band_labels(str(get_locale()))


@cache
def _price_band_labels(_language: str) -> dict[str, str]:
    labels = {}
    for key, low, high in PRICE_BANDS:
        if low == 0:
            labels[key] = _("Dưới %(v)s", v=f"{high // 1000}.000 ₫")
        elif high is None:
            labels[key] = _("Từ %(v)s", v=f"{low // 1000}.000 ₫")
        else:
            labels[key] = f"{low // 1000}.000 – {high // 1000}.000 ₫"
    return labels


def search_query_from_args(**fixed) -> SearchQuery:
    args = request.args
    category = find_category(args.get("category")) if args.get("category") else None
    query = SearchQuery(
        text=(args.get("q") or "")[:200],
        category_id=category.id if category else None,
        category_group_id=(category.parent_id or category.id) if category else None,
        province_code=args.get("province", type=int),
        commune_code=args.get("commune", type=int),
        stars=args.get("stars", type=int),
        price_band=args.get("price") or None,
        sort=args.get("sort") if args.get("sort") in SORTS else "relevance",
        page=_page(),
        per_page=PER_PAGE,
    )
    for key, value in fixed.items():
        setattr(query, key, value)
    return query


def render_listing(title: str, endpoint: str, endpoint_args: dict, query: SearchQuery, **context):
    result = get_backend().search(query)
    pages = max(1, math.ceil(result.total / query.per_page))
    if query.page > pages and result.total:
        raise NotFound(_("Trang này không có."))
    filters = {k: v for k, v in request.args.items() if k != "page" and v}
    if not result.total and "category" in context:  # an empty category points at the groups that sell something
        shown = context["category"]
        context["other_categories"] = categories_with_products(excluding=shown.id)
    shown_values = {
        "title": title,
        "products": tiles_by_ids(result.ids),
        "result": result,
        "names": _facet_names(result.facets),
        "page": query.page,
        "pages": pages,
        "endpoint": endpoint,
        "endpoint_args": endpoint_args,
        "filters": filters,
        "query": query,
        "sorts": sort_labels(),
        **context,
    }
    head, content = _listing_parts(shown_values)
    return render_template("catalog/listing.html", listing_head=head, listing_content=content, **shown_values)


listing_cache = TtlCache(256)


def _listing_key(shown: dict[str, Any]) -> Hashable:
    """Every value the listing's head and content show (templates/catalog/_listing_*.html); keep in step with them."""
    result, query = shown["result"], shown["query"]
    return (
        shown["title"],
        shown["endpoint"],
        frozen(shown["endpoint_args"]),
        shown["page"],
        shown["pages"],
        frozen(shown["filters"]),
        query.sort,
        query.text,
        tuple(shown["products"]),
        result.total,
        frozen(result.facets),
        frozen(result.corrected),
        frozen(shown["names"]),
        frozen(shown["sorts"]),
        tuple(shown.get("subcategories") or ()),
        tuple(shown.get("other_categories") or ()),
        bool(shown.get("category")),
        bool(shown.get("searching")),
    )


def _listing_parts(shown: dict[str, Any]) -> tuple[Markup, Markup]:
    """The listing's head links and content, kept per shown version; a storefront (its cooperative's commune,
    description and rating) is rendered each time."""

    def render() -> tuple[Markup, Markup]:
        return render_part("catalog/_listing_head.html", **shown), render_part("catalog/_listing_content.html", **shown)

    if "cooperative" in shown:
        return render()
    return kept(listing_cache, _listing_key(shown), render)


@tile_list
def _featured_tiles() -> Select[tuple[Product]]:
    """The home page's certified products: most stars first, then newest."""
    return (
        with_valid_certificate(published_products(), on=bindparam("today"))
        .order_by(OcopCertificate.stars.desc(), Product.published_at.desc())
        .limit(8)
    )


@tile_list
def _newest_tiles() -> Select[tuple[Product]]:
    return published_products().order_by(Product.published_at.desc(), Product.id.desc()).limit(12)


def _offers_shop() -> bool:
    """The hero's "Mở gian hàng" button: sellers can apply here, and the visitor is a guest or a buyer."""
    if "sellers.apply" not in current_app.view_functions:
        return False
    return not current_user.is_authenticated or current_user.role.value == "buyer"


home_cache = TtlCache(16)


def _home_parts(shown: dict[str, Any]) -> tuple[Markup, Markup]:
    """The home page's head links and content, kept per shown version (templates/catalog/_home_*.html)."""
    key = (
        shown["offer_shop"],
        tuple(shown["featured"]),
        tuple(shown["products"]),
        tuple(shown["provinces"]),
        tuple(shown["categories"]),
    )
    return kept(
        home_cache,
        key,
        lambda: (render_part("catalog/_home_head.html", **shown), render_part("catalog/_home_content.html", **shown)),
    )


@bp.get("/")
def home():
    shown = {
        "offer_shop": _offers_shop(),
        "featured": _featured_tiles(),
        "products": _newest_tiles(),
        "provinces": provinces_with_products(),
        "categories": categories_with_products(),  # a chip never leads to an empty page
    }
    head, content = _home_parts(shown)
    return render_template("catalog/home.html", home_head=head, home_content=content, **shown)


@bp.get("/c/<slug>")
def category(slug: str):
    found = category_by_slug(slug)
    if found is None:
        raise NotFound(_("Không có danh mục này."))
    query = search_query_from_args(category_id=found.id, category_group_id=found.parent_id or found.id)
    return render_listing(
        category_name(found),
        "catalog.category",
        {"slug": slug},
        query,
        category=found,
        subcategories=subcategories(found.id),
    )


@bp.get("/tinh/<slug>")
def province(slug: str):
    found = db.session.scalar(select(Province).where(Province.slug == slug))
    if found is None:
        raise NotFound(_("Không có tỉnh/thành phố này."))
    query = search_query_from_args(province_code=found.code)
    return render_listing(_("Đặc sản %(name)s", name=found.name), "catalog.province", {"slug": slug}, query)


@bp.get("/xa/<slug>")
def commune(slug: str):
    found = db.session.scalar(select(Commune).where(Commune.slug == slug))
    if found is None:
        raise NotFound(_("Không có xã này."))
    query = search_query_from_args(commune_code=found.code)
    return render_listing(found.full_name, "catalog.commune", {"slug": slug}, query)


@bp.get("/htx/<slug>")
def storefront(slug: str):
    cooperative = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug, Cooperative.verified))
    if cooperative is None:  # a seller its commune has not verified has no public page
        raise NotFound(_("Không tìm thấy hợp tác xã."))
    query = search_query_from_args(cooperative_id=cooperative.id)
    return render_listing(cooperative.name, "catalog.storefront", {"slug": slug}, query, cooperative=cooperative)


@bp.get("/search")
@limiter.limit("120 per minute")
def search():
    query = search_query_from_args()
    title = _("Kết quả cho “%(q)s”", q=query.text) if query.text else _("Tất cả sản phẩm")
    return render_listing(title, "catalog.search", {}, query, searching=True)


@bp.get("/search/suggest")
@limiter.limit("300 per minute")
def suggest():
    text = (request.args.get("q") or "").strip()[:100]
    if len(text) < 2:
        return jsonify([])
    products = load_published(get_backend().suggest(text, limit=8))
    return jsonify([{"name": p.name, "slug": p.slug, "url": url_for("catalog.product", slug=p.slug)} for p in products])


@bp.get("/p/<slug>")
def product(slug: str):
    page = read_product_page(slug)
    return render_template(
        "catalog/product.html",
        page=page_parts(page, request.args.get("loai", type=int)),
        others=_other_tiles_of_seller(cooperative_id=page.cooperative.id, product_id=page.id),
    )


OTHERS_SHOWN = 6


@tile_list
def _other_tiles_of_seller() -> Select[tuple[Product]]:
    """ "Sản phẩm khác của <HTX>": up to six more public products of the same cooperative, newest first."""
    return (
        published_products()
        .where(Product.cooperative_id == bindparam("cooperative_id"), Product.id != bindparam("product_id"))
        .order_by(Product.id.desc())
        .limit(OTHERS_SHOWN)
    )


@bp.get("/sitemap.xml")
def sitemap():
    base = current_app.config["PUBLIC_BASE_URL"]
    published = published_products()
    rows = db.session.execute(published.with_only_columns(Product.slug, Product.updated_at).order_by(Product.id)).all()
    categories = db.session.scalars(select(Category.slug)).all()
    cooperatives = db.session.scalars(
        select(Cooperative.slug).where(Cooperative.id.in_(published.with_only_columns(Product.cooperative_id)))
    ).all()
    body = render_template(
        "catalog/sitemap.xml", base=base, products=rows, categories=categories, cooperatives=cooperatives
    )
    return Response(body, mimetype="application/xml")
