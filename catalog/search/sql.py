"""`sql` backend: SQLite FTS5 in the embedded set-up, PostgreSQL (a tsvector GIN index; pg_trgm for autocomplete) in
production.

Both keep a folded document per published product in `product_search_docs` (filters and facets come
from there), match every query word as a word prefix, correct one typo through the vocabulary, and
rank by relevance, then OCOP stars. One statement answers a search: the matches are computed once (a
materialised CTE), and the page, the total and every facet count are read from them. A group's or a province's
page with nothing typed reads the page and each count from an index in the order it needs (`_browse_answer_sql`).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import replace
from functools import lru_cache
from typing import ClassVar

from sqlalchemy import TextClause, bindparam, delete, text

from marketplace.database import read_plain
from marketplace.extensions import db
from marketplace.services import province_of_commune

from ..models import Category, ProductSearchDoc
from . import answers
from .base import PRICE_BANDS, SearchQuery, SearchResult, ordered_facet, terms_of
from .intent import Intent, parse
from .vocabulary import add_words, clear_words, corrections

FACET_FIELDS = ("category_root_id", "category_id", "province_code", "commune_code", "stars")
# facets counted together, one GROUP BY per pair: (kind of the answer row) → (facet of a, facet of b)
FACET_PAIRS = {
    "category": ("category_root_id", "category_id"),
    "place": ("province_code", "commune_code"),
    "stars_band": ("stars", "price_band"),
}
COLUMNS = (
    "d.product_id, d.stars, d.category_id, d.category_root_id, d.province_code, d.commune_code, "
    "d.price_vnd, d.published_at"
)
# what a typed search's matches carry when its order does not read the publication date (every copied column
# costs, over thousands of matches)
UNDATED_COLUMNS = COLUMNS.removesuffix(", d.published_at")
ORDERS = {
    "relevance": "score, stars DESC, product_id DESC",
    "price_asc": "price_vnd ASC, product_id DESC",
    "price_desc": "price_vnd DESC, product_id DESC",
    "newest": "published_at DESC, product_id DESC",
    "stars": "stars DESC, published_at DESC, product_id DESC",
}
# relevance: each query word found in the name weighs NAME_WEIGHT, coming from the place the query names about
# one and a half name words (a filter-like boost that a name holding every typed word still beats), each word
# typed with its marks and found so in the name MARK_WEIGHT; text relevance (bm25, trigram) only breaks ties
NAME_WEIGHT = 1_000
COMMUNE_WEIGHT = 1_600
PROVINCE_WEIGHT = 1_500
MARK_WEIGHT = 100
START_WEIGHT = 50  # the name begins with the first typed word: "Mật ong …" before "Phấn hoa mật ong"
TRIGRAM = 3  # pg_trgm's unit: a shorter word has no trigram of its own
LENGTH_WEIGHT = 0.01  # the last tie-break: the shorter name (at most 200 characters: under 2 points)
# SQLite: the narrow table of what ranking and counting read of a match, the name after one space, and the one of
# what a query typed with marks or sorted by date reads besides (migration 0560); the ranks row holds the match's
# counting numbers too (migrations 0620, 0630)
RANKS = "search_ranks"
RANKS_EXTRA = "search_ranks_extra"
# PostgreSQL: the document's words, as its GIN index `search_docs_words` has them (migration 0550, same expression)
WORDS = "array_to_tsvector(array_remove(regexp_split_to_array(d.document, '[^[:alnum:]]+'), ''))"
STARS_INDEX = "ix_product_search_docs_root_stars"  # a group's (stars, price) in order: counted as read
CATEGORY_INDEX = "ix_product_search_docs_root_facets"  # a group's categories in order: a range each
PAGE_INDEX = "ix_product_search_docs_root_page"  # a group's page in browse order: 24 rows read, none sorted
VISIBLE_SHARE = 0.9  # PostgreSQL: all-visible pages from which a browse count reads its index alone
VISIBLE_SECONDS = 60.0
_VISIBLE: dict[str, tuple[float, bool]] = {}  # database URL → (until, index-only) (`_index_only`)
# facets counted over the matches: SQLite groups by sorting, slow where the first key ties, so each count's first key
# has many values (a commune before its province), and the category and stars/price-band pairs are counted in one
# pass by one number per (category, stars, band) (`_sorted_facet_counts_sql`); a typed search's matches are grouped by
# one integer per count, its numbered pairs (`_keyed_facet_counts_sql`)
STAR_LEVELS = 6  # OCOP stars 0 (no valid certificate) to 5: certificates hold 3 to 5 (ocop_certificates check)
FACET_COLUMNS = "d.category_root_id, d.category_id, d.province_code, d.commune_code, d.stars, d.price_vnd"
# the columns of the covering indexes a page with nothing typed may read, as the model declares them (migrations
# 0110, 0550)
BROWSE_INDEXES = {
    index.name: tuple(column.name for column in index.columns)
    for index in ProductSearchDoc.__table__.indexes
    if index.name
    in (
        PAGE_INDEX,
        STARS_INDEX,
        "ix_product_search_docs_root_place",
        "ix_product_search_docs_root_facets",
        "ix_product_search_docs_province_facets",
    )
}
# for each part of a browse answer, the indexes that give it in the order it reads, best first
FALLBACK_INDEXES = ("ix_product_search_docs_root_facets", "ix_product_search_docs_province_facets")
BROWSE_CHOICES = {
    "page": (PAGE_INDEX, *FALLBACK_INDEXES),
    "category": FALLBACK_INDEXES,
    "place": ("ix_product_search_docs_root_place", *FALLBACK_INDEXES[::-1]),
    "stars_band": (STARS_INDEX, *FALLBACK_INDEXES),
    "total": ("ix_product_search_docs_root_place", *FALLBACK_INDEXES),
}
BROWSE_LEADING = ("category_root_id", "province_code")  # an equality on one of these pins an index range
# the columns each filter reads (a bound parameter's name → its column; the cooperative's is the row id)
FILTER_COLUMNS = {
    "category_root": "category_root_id",
    "category_id": "category_id",
    "province_code": "province_code",
    "commune_code": "commune_code",
    "stars": "stars",
    "price_low": "price_vnd",
    "price_high": "price_vnd",
    "cooperative_id": "product_id",
}
SORT_COLUMNS = {
    "stars": ("stars", "published_at", "product_id"),
    "price_asc": ("price_vnd", "product_id"),
    "price_desc": ("price_vnd", "product_id"),
    "newest": ("published_at", "product_id"),
}


def _dated(sort: str) -> bool:
    """The sort's order reads the publication date (`newest`, `stars`), so a typed search's matches carry it."""
    return "published_at" in SORT_COLUMNS.get(sort, ())


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _category_group(query: SearchQuery) -> int:
    """The group of the query's category (itself for a group or an unknown id): a listing that read the category
    passes it, so no statement then."""
    if query.category_group_id:
        return query.category_group_id
    category = db.session.get(Category, query.category_id)
    return (category.parent_id or category.id) if category is not None else query.category_id


def _filters(query: SearchQuery, params: dict) -> list[str]:
    clauses = []
    # equalities on the leading columns of a covering index: a group is its own products and its
    # sub-categories' (`category_root_id`), a sub-category sits under its group, a commune in its province
    if query.category_id:
        group = _category_group(query)
        params["category_root"] = group
        clauses.append("d.category_root_id = :category_root")
        if group != query.category_id:
            params["category_id"] = query.category_id
            clauses.append("d.category_id = :category_id")
    province = query.province_code or (query.commune_code and province_of_commune(query.commune_code))
    if province:
        clauses.append("d.province_code = :province_code")
        params["province_code"] = province
    if query.commune_code:
        clauses.append("d.commune_code = :commune_code")
        params["commune_code"] = query.commune_code
    if query.stars:
        clauses.append("d.stars >= :stars")
        params["stars"] = query.stars
    band = next((b for b in PRICE_BANDS if b[0] == query.price_band), None)
    if band:
        clauses.append("d.price_vnd >= :price_low")
        params["price_low"] = band[1]
        if band[2] is not None:
            clauses.append("d.price_vnd < :price_high")
            params["price_high"] = band[2]
    if query.cooperative_id:
        clauses.append("d.product_id IN (SELECT id FROM products WHERE cooperative_id = :cooperative_id)")
        params["cooperative_id"] = query.cooperative_id
    return clauses


def _expand(terms: list[str]) -> tuple[list[list[str]], dict[str, list[str]]]:
    """Each term becomes its alternatives: itself, or its one-typo corrections."""
    groups, corrected = [], {}
    for term in terms:
        fixes = corrections(term)
        if fixes:
            corrected[term] = fixes
        groups.append(fixes or [term])
    return groups, corrected


def _fts_expression(groups: list[list[str]], column: str | None = None) -> str:
    prefix = f"{column}: " if column else ""
    parts = []
    for alternatives in groups:
        inner = " OR ".join(f'{prefix}"{w}"*' for w in alternatives)
        parts.append(f"({inner})")
    return " AND ".join(parts)


def _index_only() -> bool:
    """PostgreSQL: most pages of the documents are all-visible, so covering indexes answer counts without reading
    the rows (true after `VACUUM`); looked up at most once a minute per process and database."""
    key = str(db.engine.url)
    now = time.monotonic()
    known = _VISIBLE.get(key)
    if known and known[0] > now:
        return known[1]
    share = db.session.scalar(
        text(
            "SELECT relallvisible::float / GREATEST(relpages, 1) FROM pg_class WHERE oid = 'product_search_docs'::regclass"
        )
    )
    _VISIBLE[key] = (now + VISIBLE_SECONDS, (share or 0) >= VISIBLE_SHARE)
    return _VISIBLE[key][1]


def _tsquery(groups: list[list[str]]) -> str:
    """PostgreSQL: every group matched, any of its words as a word prefix (`('nam':*) & ('meo':* | 'mao':*)`).
    Words are letters and digits only (`terms_of`, the vocabulary), so quoting them is enough."""
    return " & ".join("(" + " | ".join(f"'{word}':*" for word in alternatives) + ")" for alternatives in groups)


def _price_band_sql(price: str = "price_vnd") -> str:
    """The index of a price's band in PRICE_BANDS (an integer groups faster than the band's text)."""
    cases = " ".join(
        f"WHEN {price} < {high} THEN {i}"  # fixed numbers from PRICE_BANDS
        for i, (_key, _low, high) in enumerate(PRICE_BANDS)
        if high is not None
    )
    return f"CASE {cases} ELSE {len(PRICE_BANDS) - 1} END"


def _browse_indexes(params: dict, sort: str) -> dict[str, str] | None:
    """Nothing typed: for each part of the answer (page, each facet pair, total), the covering index to read it
    from, or None when the filters pin no index range (then the rows are copied once, as for a search)."""
    filtered = {FILTER_COLUMNS[key] for key in params if key in FILTER_COLUMNS}
    if not filtered & set(BROWSE_LEADING):
        return None
    needs = {"page": set(SORT_COLUMNS[sort]), "total": set()}
    needs.update({kind: set(pair) for kind, pair in FACET_PAIRS.items()})
    needs["stars_band"] = {"stars", "price_vnd"}
    chosen = {}
    for part, names in BROWSE_CHOICES.items():
        for name in names:
            columns = BROWSE_INDEXES[name]
            if columns[0] in filtered and needs[part] | filtered <= {*columns, "product_id"}:
                chosen[part] = name
                break
        else:
            return None
    return chosen


def _browse_answer_sql(
    condition: str, query: SearchQuery, params: dict, sort: str, indexes: dict[str, str] | None
) -> str:
    """Nothing typed, an index range pinned: the page and each count read their own covering index, in the order
    they need it (the page needs no sort, a count groups as it reads), as rows (kind, a, b, n); SQLite is told
    which (`indexes`, `INDEXED BY`), PostgreSQL chooses the same. From the (group, stars, price) index, stars and
    price bands are counted by price first, as the index is read, then the few hundred (stars, price) counts by
    band; from any other, by band at once (a sort either way)."""

    def source(part: str) -> str:
        hint = f" INDEXED BY {indexes[part]}" if indexes else ""
        return f"product_search_docs d{hint}{condition}"

    params["limit"], params["offset"] = query.per_page, query.offset
    order = ORDERS[sort]
    columns = ", ".join(SORT_COLUMNS[sort])
    parts = [
        "SELECT 'page' AS kind, CAST(product_id AS TEXT) AS a, CAST(NULL AS TEXT) AS b, "  # noqa: S608 — fixed fragments
        f"ROW_NUMBER() OVER (ORDER BY {order}) AS n FROM (SELECT {columns} FROM {source('page')} "
        f"ORDER BY {order} LIMIT :limit OFFSET :offset) AS page"
    ]
    if not query.facets:
        parts.append(f"SELECT 'total', NULL, NULL, COUNT(*) FROM {source('total')}")  # noqa: S608
        return " UNION ALL ".join(parts)
    for kind, (first, second) in FACET_PAIRS.items():
        if indexes and kind == "stars_band" and indexes[kind] == STARS_INDEX:
            parts.append(_stars_band_ranges_sql(source(kind)))
        elif indexes and kind == "category" and indexes[kind] == CATEGORY_INDEX:
            parts.append(_category_ranges_sql(source(kind)))
        elif kind == "stars_band" and (indexes or {}).get("stars_band", STARS_INDEX) == STARS_INDEX:
            by_price = f"SELECT stars, price_vnd, COUNT(*) AS n FROM {source(kind)} GROUP BY stars, price_vnd"  # noqa: S608
            band = _price_band_sql()
            # PostgreSQL sums bigints as numeric, a Decimal that would make every number of the answer one
            parts.append(
                f"SELECT '{kind}', CAST(stars AS TEXT), CAST({band} AS TEXT), CAST(SUM(n) AS BIGINT) "  # noqa: S608
                f"FROM ({by_price}) AS counted GROUP BY stars, {band}"
            )
        else:
            a, b = (first, _price_band_sql()) if kind == "stars_band" else (first, second)
            parts.append(
                f"SELECT '{kind}', CAST({a} AS TEXT), CAST({b} AS TEXT), COUNT(*) "  # noqa: S608
                f"FROM {source(kind)} GROUP BY {a}, {b}"
            )
    return " UNION ALL ".join(parts)


def _stars_band_ranges_sql(source: str) -> str:
    """SQLite, a group's (stars, price) index (`source`: its rows, filtered): one `COUNT(*)` per star level and price
    band, each an index range, as rows (kind, a, b, n), empty ones left out. Stepping through a range is about half
    the cost of grouping the same entries (no group test, no band computed per entry)."""
    ranges = []
    for stars in range(STAR_LEVELS):
        low = None
        for band, (_key, _low, high) in enumerate(PRICE_BANDS):
            # the bounds `_price_band_sql` tests: below this band's top, not below the one before
            bounds = [f"d.price_vnd >= {low}"] if low is not None else []
            bounds += [f"d.price_vnd < {high}"] if high is not None else []
            ranges.append(
                f"SELECT '{stars}' AS a, '{band}' AS b, COUNT(*) AS n FROM {source} AND d.stars = {stars}"  # noqa: S608 — fixed numbers
                + "".join(f" AND {bound}" for bound in bounds)
            )
            low = high
    return f"SELECT 'stars_band', a, b, n FROM ({' UNION ALL '.join(ranges)}) AS ranges WHERE n > 0"  # noqa: S608


def _category_ranges_sql(source: str) -> str:
    """SQLite, a group's (group, category, …) index (`source`: its rows, the group pinned by `:category_root`): its
    categories found one index seek each (the next one above the last), then one `COUNT(*)` over each one's range,
    and the products without a category, as rows (kind, a, b, n). A group has a few categories, so this steps
    through the entries once without grouping them (half the cost)."""
    categories = (
        "WITH RECURSIVE found(category_id) AS ("  # noqa: S608 — fixed fragments
        f"SELECT (SELECT MIN(d.category_id) FROM {source}) UNION ALL "
        f"SELECT (SELECT MIN(d.category_id) FROM {source} AND d.category_id > found.category_id) "
        "FROM found WHERE found.category_id IS NOT NULL) "
        "SELECT category_id FROM found WHERE category_id IS NOT NULL"
    )
    return (
        "SELECT 'category', CAST(:category_root AS TEXT), CAST(found.category_id AS TEXT), "  # noqa: S608
        f"(SELECT COUNT(*) FROM {source} AND d.category_id = found.category_id) FROM ({categories}) AS found "
        "UNION ALL SELECT 'category', CAST(:category_root AS TEXT), NULL, n "
        f"FROM (SELECT COUNT(*) AS n FROM {source} AND d.category_id IS NULL) AS uncategorised WHERE n > 0"
    )


def _browse_sql(where: list[str], query: SearchQuery, params: dict, sort: str) -> str:
    """Nothing typed (sorted by stars, then newest, for relevance): from covering indexes when the filters pin
    one's range, else the filtered rows copied once and counted as a search's matches are.

    SQLite reads the page and each count from its own index (`_browse_answer_sql`), and so does PostgreSQL once
    the visibility map is set (`SqlSearch.settle`, autovacuum), the indexes then answering alone. Before that a
    pass per count would read the rows four times: PostgreSQL takes a group's page from its index (24 rows) and
    counts from one pass over the facet columns."""
    indexes = _browse_indexes(params, sort)
    condition = (" WHERE " + " AND ".join(where)) if where else ""
    sqlite = _dialect() == "sqlite"
    if indexes and (sqlite or _index_only()):
        return _browse_answer_sql(condition, query, params, sort, indexes if sqlite else None)
    if indexes and indexes["page"] == PAGE_INDEX:
        source = f"product_search_docs d{condition}"
        return _answer_sql(f"SELECT {FACET_COLUMNS} FROM {source}", query, params, sort, page_from=source)  # noqa: S608
    matches = f"SELECT {COLUMNS}, 0 AS score FROM product_search_docs d{condition}"  # noqa: S608 — values bound
    return _answer_sql(matches, query, params, sort)


def _answer_sql(
    matches: str, query: SearchQuery, params: dict, sort: str, page_from: str | None = None, keyed: bool = False
) -> str:
    """Page (with its rank) and facet counts from the matches, as rows (kind, a, b, n).

    Facets are counted in pairs: (group, category), (province, commune), (stars, price band), one pass each on
    PostgreSQL, two passes on SQLite (`_sorted_facet_counts_sql`, `_keyed_facet_counts_sql`); the total is the sum of
    the last pair's counts (every match is in exactly one of its groups). Without facets the total is a `COUNT(*)`.
    The page is read from `page_from` (a browse sort's columns) instead of the matches when given; `keyed`: SQLite's
    matches carry their counting numbers (`_sqlite_match_columns`)."""
    params["limit"], params["offset"] = query.per_page, query.offset
    order = ORDERS.get(sort, ORDERS["relevance"])
    page = "SELECT * FROM m"
    if page_from:
        page = f"SELECT {', '.join(SORT_COLUMNS[sort])} FROM {page_from}"  # noqa: S608 — fixed names
    parts = [
        # the window numbers only the page's rows: numbering every match would sort them all twice
        "SELECT 'page' AS kind, CAST(product_id AS TEXT) AS a, CAST(NULL AS TEXT) AS b, "  # noqa: S608 — fixed fragments
        f"ROW_NUMBER() OVER (ORDER BY {order}) AS n FROM ({page} "
        f"ORDER BY {order} LIMIT :limit OFFSET :offset) AS page",
    ]
    counted = ""
    if query.facets and _dialect() == "sqlite":
        counted, counts = _keyed_facet_counts_sql() if keyed else _sorted_facet_counts_sql()
        parts.extend(counts)
    elif query.facets:
        # field names and bands are fixed in this module; nothing typed reaches these fragments
        column = {"price_band": _price_band_sql()}
        for kind, (first, second) in FACET_PAIRS.items():
            a, b = column.get(first, first), column.get(second, second)
            parts.append(f"SELECT '{kind}', CAST({a} AS TEXT), CAST({b} AS TEXT), COUNT(*) FROM m GROUP BY {a}, {b}")  # noqa: S608
    else:
        parts.append("SELECT 'total', NULL, NULL, COUNT(*) FROM m")
    return f"WITH m AS MATERIALIZED ({matches}){counted} " + " UNION ALL ".join(parts)


def _facet_key_sql(row: str = "") -> str:
    """SQLite: the one number category and stars/price band are counted by with nothing typed
    (`_sorted_facet_counts_sql`), of the row whose columns `row` prefixes. (A typed search's matches carry
    `search_ranks.facet_key`, the same with the category's pair numbered: `_keyed_facet_counts_sql`.)"""
    bands = len(PRICE_BANDS)
    band = _price_band_sql(f"{row}price_vnd")
    return f"COALESCE({row}category_id, 0) * {STAR_LEVELS * bands} + {row}stars * {bands} + {band}"


def _sqlite_match_columns(sort: str, facets: bool) -> str:
    """SQLite, a typed search: what each match carries, no more (every column is copied for thousands of matches):
    what its page's order reads (with the score), and with facets its two counting numbers, kept in the ranks row
    (migrations 0620, 0630) so that each count sorts one integer (`_keyed_facet_counts_sql`) and no match computes
    it."""
    columns = ["d.product_id", "d.stars"]
    if _dated(sort):
        columns.append("e.published_at")
    elif sort in ("price_asc", "price_desc"):
        columns.append("d.price_vnd")
    if facets:
        columns += ["d.place_key", "d.facet_key"]
    return ", ".join(columns)


def _sorted_facet_counts_sql() -> tuple[str, list[str]]:
    """SQLite, which groups by sorting: the facet counts of the matches `m` (the rows themselves, nothing typed), as a
    CTE to add and the parts (kind, a, b, n) that read it. (PostgreSQL hashes each pair in one pass: the key below
    only costs it.)

    Places are grouped by commune, then province. Categories and stars/price bands are counted together in `c`, one
    row per (category, group, stars, band) (a few hundred) grouped by a single number, category × levels × bands +
    stars × bands + band (no category: 0, not a facet value); both pairs are summed from it. Field names and bands
    are fixed in this module; nothing typed reaches these fragments."""
    bands = len(PRICE_BANDS)
    counted = (
        f", c AS MATERIALIZED (SELECT {_facet_key_sql()} AS k, category_root_id, COUNT(*) AS n "  # noqa: S608 — fixed fragments
        "FROM m GROUP BY k, category_root_id)"
    )
    category = f"k / {STAR_LEVELS * bands}"
    return counted, [
        f"SELECT 'category', CAST(category_root_id AS TEXT), CAST({category} AS TEXT), CAST(SUM(n) AS BIGINT) "  # noqa: S608
        f"FROM c GROUP BY {category}, category_root_id",
        "SELECT 'place', CAST(province_code AS TEXT), CAST(commune_code AS TEXT), COUNT(*) "
        "FROM m GROUP BY commune_code, province_code",
        _stars_band_counts_sql(),
    ]


def _stars_band_counts_sql() -> str:
    """SQLite: the stars/price-band counts summed from `c` (one row per facet key `k`, its count `n`)."""
    bands = len(PRICE_BANDS)
    stars_band = f"k % {STAR_LEVELS * bands}"
    return (
        f"SELECT 'stars_band', CAST({stars_band} / {bands} AS TEXT), CAST({stars_band} % {bands} AS TEXT), "  # noqa: S608
        f"CAST(SUM(n) AS BIGINT) FROM c GROUP BY {stars_band}"
    )


def _keyed_facet_counts_sql() -> tuple[str, list[str]]:
    """SQLite, a typed search: the facet counts of the matches `m`, which carry two numbers from their ranks row
    (migration 0630), as a CTE to add and the parts (kind, a, b, n) that read it. Each count sorts one integer: a sort
    on two columns compares the second whenever the first ties, most pairs of rows in a broad query.

    `place_key` numbers the match's (province, commune) in `search_places`; `facet_key` is its (group, category)'s
    number in `search_categories` × levels × bands + stars × bands + band. The matches are grouped by each, into a few
    hundred rows; only those read their pair back, by its number. (0 in `search_categories`: no group or category,
    not a facet value.)"""
    levels_bands = STAR_LEVELS * len(PRICE_BANDS)
    counted = ", c AS MATERIALIZED (SELECT facet_key AS k, COUNT(*) AS n FROM m GROUP BY k)"
    return counted, [
        "SELECT 'category', CAST(s.category_root_id AS TEXT), CAST(s.category_id AS TEXT), pairs.n "  # noqa: S608 — fixed fragments
        f"FROM (SELECT k / {levels_bands} AS category_key, SUM(n) AS n FROM c GROUP BY category_key) AS pairs "
        "CROSS JOIN search_categories s ON s.category_key = pairs.category_key",
        "SELECT 'place', CAST(s.province_code AS TEXT), CAST(s.commune_code AS TEXT), places.n "
        "FROM (SELECT place_key, COUNT(*) AS n FROM m GROUP BY place_key) AS places "
        "CROSS JOIN search_places s ON s.place_key = places.place_key",
        _stars_band_counts_sql(),
    ]


def _word_prefix(column: str, word: str, key: str, params: dict) -> str:
    """The column has a word starting with `word` (words are letters and digits only). Same as
    `' ' || column LIKE '% word%'`, without building that string for every row (a copy of each document)."""
    params[f"{key}a"], params[f"{key}b"] = f"{word}%", f"% {word}%"
    return f"({column} LIKE :{key}a OR {column} LIKE :{key}b)"


def _trigram_word(column: str, word: str, key: str, params: dict) -> str:
    """PostgreSQL: the column has a word starting with `word`, in the form its trigram index narrows best.

    A word of three letters or more narrows by its own trigrams (`LIKE '%w%'`, one index scan for every word);
    the word-prefix test is then a filter (`starts_with` is not indexable, so it stays one). A shorter word has
    no trigram of its own: only its word-start trigrams (`'  w'`) narrow, through `LIKE '% w%'`."""
    if len(word) < TRIGRAM:
        return _word_prefix(column, word, key, params)
    params[f"{key}i"], params[f"{key}a"], params[f"{key}b"] = f"%{word}%", word, f"% {word}%"
    return f"({column} LIKE :{key}i AND (starts_with({column}, :{key}a) OR {column} LIKE :{key}b))"


def _word_prefix_case(column: str, words: list[str], key: str, weight: int, params: dict, starts: bool = False) -> str:
    """`weight` when any of the words starts a word of the column; with `starts`, START_WEIGHT more when one starts
    the column itself (the same tests, the column's start first, so no word is tested twice)."""
    likes = [_word_prefix(column, word, f"{key}_{j}", params) for j, word in enumerate(words)]
    if not starts:
        return f"CASE WHEN {' OR '.join(likes)} THEN {weight} ELSE 0 END"
    # the two tests `_word_prefix` bound for each word: the column's start (`a`), then a later word's (`b`)
    first = " OR ".join(f"{column} LIKE :{key}_{j}a" for j in range(len(words)))
    inside = " OR ".join(f"{column} LIKE :{key}_{j}b" for j in range(len(words)))
    return f"CASE WHEN {first} THEN {weight + START_WEIGHT} WHEN {inside} THEN {weight} ELSE 0 END"


def _spaced_word_case(column: str, words: list[str], key: str, weight: int, params: dict, starts: bool = False) -> str:
    """SQLite, `_word_prefix_case` over a name kept after one space (`search_ranks`): `instr(column, ' w')` is 1 when
    the name begins with w, more when a later word does, 0 when none does, so one call per word answers both tests
    (names and typed words are lower-case, as LIKE's case-blind test needed)."""
    found = []
    for j, word in enumerate(words):
        params[f"{key}_{j}"] = f" {word}"
        found.append(f"instr({column}, :{key}_{j})")
    if starts and len(found) == 1:
        return f"CASE {found[0]} WHEN 0 THEN 0 WHEN 1 THEN {weight + START_WEIGHT} ELSE {weight} END"
    anywhere = " OR ".join(found)
    if not starts:
        return f"CASE WHEN {anywhere} THEN {weight} ELSE 0 END"
    first = " OR ".join(f"{position} = 1" for position in found)
    return f"CASE WHEN {first} THEN {weight + START_WEIGHT} WHEN {anywhere} THEN {weight} ELSE 0 END"


def _place_case(intent: Intent) -> list[str]:
    """Products from the place the query names come first (codes are integers from the gazetteer)."""
    place = intent.place
    if place is None:
        return []
    whens = [
        f"WHEN d.{column} IN ({', '.join(str(int(c)) for c in sorted(codes))}) THEN {weight}"
        for column, codes, weight in (
            ("commune_code", place.communes, COMMUNE_WEIGHT),
            ("province_code", place.provinces, PROVINCE_WEIGHT),
        )
        if codes
    ]
    return [f"CASE {' '.join(whens)} ELSE 0 END"]


def _boost_sql(groups: list[list[str]], intent: Intent, params: dict, spaced: bool = False) -> str:
    """How much a match is lifted above plain text relevance: place, then name words, then typed marks. `spaced`:
    the names are read from SQLite's `search_ranks` (`d`) and `search_ranks_extra` (`e`), after one space."""
    case, name, marked = (
        (_spaced_word_case, "d.name_words", "e.marked_words")
        if spaced
        else (_word_prefix_case, "d.name", "d.name_marked")
    )
    cases = _place_case(intent)
    for i, alternatives in enumerate([*groups, *([t] for t in intent.place_terms)]):
        cases.append(case(name, alternatives, f"n{i}", NAME_WEIGHT, params, starts=i == 0))
    for k, word in enumerate(intent.marks):
        cases.append(case(marked, [word], f"k{k}", MARK_WEIGHT, params))
    return " + ".join(cases)


def _read(rows, query: SearchQuery) -> SearchResult:
    page: list[tuple[int, int]] = []
    total = 0
    facets: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for kind, a, b, n in rows:
        if kind == "page":
            page.append((n, int(a)))
        elif kind == "total":
            total = n
        else:
            first, second = FACET_PAIRS[kind]
            if kind == "stars_band":
                total += n
                b = PRICE_BANDS[int(b)][0]
            for name, value in ((first, a), (second, b)):
                if value not in (None, "0"):  # no category, no valid certificate: not a facet value
                    facets[name][str(value)] += n
    shaped = {}
    if query.facets:
        for name in (*FACET_FIELDS, "price_band"):
            shaped[name] = ordered_facet(name, dict(facets.get(name, {})))
    return SearchResult(ids=[pid for _n, pid in sorted(page)], total=total, facets=shaped)


class SqlSearch:
    id: ClassVar[str] = "sql"
    transactional: ClassVar[bool] = True

    def index(self, documents: list[dict]) -> None:
        if not documents:
            return
        ids = [doc["product_id"] for doc in documents]
        self.remove(ids)
        columns = [c.name for c in ProductSearchDoc.__table__.columns]
        db.session.execute(ProductSearchDoc.__table__.insert(), [{k: d[k] for k in columns} for d in documents])
        if _dialect() == "sqlite":
            db.session.execute(
                text("INSERT INTO search_products_fts(rowid, name, document) VALUES (:product_id, :name, :document)"),
                [{"product_id": d["product_id"], "name": d["name"], "document": d["document"]} for d in documents],
            )
        add_words(documents)
        answers.index_changed()

    def remove(self, product_ids: list[int]) -> None:
        if not product_ids:
            return
        db.session.execute(delete(ProductSearchDoc).where(ProductSearchDoc.product_id.in_(product_ids)))
        if _dialect() == "sqlite":
            db.session.execute(
                text("DELETE FROM search_products_fts WHERE rowid IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": list(product_ids)},
            )
        answers.index_changed()

    def clear(self) -> None:
        db.session.execute(delete(ProductSearchDoc))
        if _dialect() == "sqlite":
            db.session.execute(text("DELETE FROM search_products_fts"))
        clear_words()
        answers.index_changed()

    def settle(self) -> None:
        """After a full reindex, committed: SQLite merges the FTS5 index into one segment (prefix queries read one
        b-tree, about twice as fast); PostgreSQL vacuums and analyses the documents, so the visibility map lets the
        covering indexes answer counts alone (autovacuum would, a while later; it is off in some set-ups)."""
        if _dialect() == "sqlite":
            db.session.execute(text("INSERT INTO search_products_fts(search_products_fts) VALUES ('optimize')"))
            db.session.commit()
            return
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) product_search_docs")
            conn.exec_driver_sql("VACUUM (ANALYZE) product_search_terms")
        _VISIBLE.pop(str(db.engine.url), None)

    def search(self, query: SearchQuery) -> SearchResult:
        """The answer kept for this question while the index is unchanged (`answers`), else read now."""
        return answers.reused(query, self._search)

    def _search(self, query: SearchQuery) -> SearchResult:
        params: dict = {}
        intent = parse(query.text)
        stars = max(query.stars or 0, intent.min_stars or 0) or None  # "OCOP 4 sao" asks for certified products
        where = _filters(replace(query, stars=stars), params)
        groups, corrected = _expand(intent.terms)
        sort = query.sort if query.sort in ORDERS else "relevance"
        if groups and _dialect() == "sqlite":
            boost = _boost_sql(groups, intent, params, spaced=True)
            columns = _sqlite_match_columns(sort, query.facets)
            matches = self._sqlite_matches(
                groups, boost, where, params, columns, extra=bool(intent.marks) or _dated(sort)
            )
            answer = _answer_sql(matches, query, params, sort, keyed=True)
        elif groups:
            columns = COLUMNS if _dated(sort) else UNDATED_COLUMNS
            matches = self._postgres_matches(groups, _boost_sql(groups, intent, params), where, params, columns)
            answer = _answer_sql(matches, query, params, sort)
        else:
            answer = _browse_sql(where, query, params, "stars" if sort == "relevance" else sort)
        result = _read(read_plain(_statement(answer), params), query)
        result.corrected = corrected
        return result

    @staticmethod
    def _sqlite_matches(groups, boost, where, params, columns: str, extra: bool = False) -> str:
        """The matches of the typed words (these columns), with their rank; `extra`: the marked name and date are read
        too (`search_ranks_extra` as `e`)."""
        params["match"] = _fts_expression(groups)
        sql = (
            # no bm25: the boost already ranks by the name, and a shorter name (more of it typed) breaks ties for a
            # fraction of bm25's cost over thousands of matches; PostgreSQL ranks by the same score
            # the name after its one space: the same length
            f"SELECT {columns}, {LENGTH_WEIGHT} * (length(d.name_words) - 1) - ({boost}) AS score "  # noqa: S608 — fixed fragments, values bound
            "FROM search_products_fts "
            # CROSS JOIN keeps the FTS index as the outer loop: a filter index outside would re-run MATCH per row;
            # each match is read from the narrow ranks table by its row id, not from the row that holds its long
            # document
            f"CROSS JOIN {RANKS} d ON d.product_id = search_products_fts.rowid "
            + (f"CROSS JOIN {RANKS_EXTRA} e ON e.product_id = d.product_id " if extra else "")
            + "WHERE search_products_fts MATCH :match"
        )
        return sql + "".join(f" AND {c}" for c in where)

    @staticmethod
    def _postgres_matches(groups, boost, where, params, columns: str) -> str:
        """Every word a word prefix of a document word: `word:*` against the document's words, which their GIN
        index answers exactly (no document is read again to check a candidate)."""
        params["words"] = _tsquery(groups)
        return (
            f"SELECT {columns}, {LENGTH_WEIGHT} * length(d.name) - ({boost}) AS score "  # noqa: S608 — fixed fragments, values bound
            f"FROM product_search_docs d WHERE {WORDS} @@ CAST(:words AS tsquery)" + "".join(f" AND {c}" for c in where)
        )

    def suggest(self, text_: str, limit: int = 8) -> list[int]:
        """Products whose *name* has a word starting with each typed word: suggestions are names, and the
        name alone is a few words where the document is hundreds of characters, so this answers while typing."""
        groups, _corrected = _expand(terms_of(text_))
        if not groups:
            return []
        params: dict = {"limit": limit}
        if _dialect() == "sqlite":
            params["match"] = _fts_expression(groups, column="name")
            sql = (
                "SELECT d.product_id FROM search_products_fts "
                "CROSS JOIN product_search_docs d ON d.product_id = search_products_fts.rowid "
                "WHERE search_products_fts MATCH :match "
                "ORDER BY bm25(search_products_fts, 8.0, 1.0), d.stars DESC, d.product_id DESC LIMIT :limit"
            )
        else:
            conditions = []
            for i, alternatives in enumerate(groups):
                # the name's own trigram index (migration 0530) narrows
                name_any = [_trigram_word("d.name", word, f"t{i}_{j}", params) for j, word in enumerate(alternatives)]
                conditions.append("(" + " OR ".join(name_any) + ")")
            params["phrase"] = " ".join(g[0] for g in groups)
            sql = (
                "SELECT d.product_id FROM product_search_docs d WHERE "  # noqa: S608 — fixed fragments, values bound
                + " AND ".join(conditions)
                + " ORDER BY similarity(d.name, :phrase) DESC, d.stars DESC, d.product_id DESC LIMIT :limit"
            )
        return list(read_plain(_statement(sql), params).scalars())


@lru_cache(maxsize=1024)
def _statement(sql: str) -> TextClause:
    """A query's text clause, made once per shape of query (making one parses its bind parameters), its values bound
    per call."""
    return text(sql)


PLUGIN = SqlSearch
