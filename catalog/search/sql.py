"""`sql` backend: SQLite FTS5 in the embedded set-up, PostgreSQL with pg_trgm in production.

Both keep a folded document per published product in `product_search_docs` (filters and facets come
from there), match every query word as a word prefix, correct one typo through the vocabulary, and
rank by relevance, then OCOP stars.
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

from sqlalchemy import bindparam, delete, text

from marketplace.extensions import db

from ..models import ProductSearchDoc
from . import PRICE_BANDS, SearchQuery, SearchResult, price_band, register_backend, terms_of
from .vocabulary import add_words, clear_words, corrections

FACET_FIELDS = ("category_root_id", "category_id", "province_code", "commune_code", "stars")
COLUMNS = "d.product_id, d.stars, d.category_id, d.category_root_id, d.province_code, d.commune_code, d.price_vnd"


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _filters(query: SearchQuery, params: dict) -> list[str]:
    clauses = []
    if query.category_id:
        clauses.append("(d.category_id = :category_id OR d.category_root_id = :category_id)")
        params["category_id"] = query.category_id
    for name in ("province_code", "commune_code"):
        value = getattr(query, name)
        if value:
            clauses.append(f"d.{name} = :{name}")
            params[name] = value
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


def _summarise(rows, query: SearchQuery) -> SearchResult:
    """Page, total and facet counts from the ranked matches (already filtered)."""
    facets: dict[str, Counter] = {name: Counter() for name in (*FACET_FIELDS, "price_band")}
    ids = []
    for row in rows:
        ids.append(row.product_id)
        for name in FACET_FIELDS:
            value = getattr(row, name)
            if value:
                facets[name][str(value)] += 1
        facets["price_band"][price_band(row.price_vnd)] += 1
    page = ids[query.offset : query.offset + query.per_page]
    shaped = {name: dict(counter.most_common()) for name, counter in facets.items()} if query.facets else {}
    return SearchResult(ids=page, total=len(ids), facets=shaped)


@register_backend
class SqlSearch:
    id: ClassVar[str] = "sql"
    transactional: ClassVar[bool] = True

    def index(self, documents: list[dict]) -> None:
        if not documents:
            return
        ids = [doc["product_id"] for doc in documents]
        self.remove(ids)
        columns = {c.name for c in ProductSearchDoc.__table__.columns}
        db.session.execute(ProductSearchDoc.__table__.insert(), [{k: d[k] for k in columns} for d in documents])
        if _dialect() == "sqlite":
            db.session.execute(
                text("INSERT INTO search_products_fts(rowid, name, document) VALUES (:product_id, :name, :document)"),
                [{"product_id": d["product_id"], "name": d["name"], "document": d["document"]} for d in documents],
            )
        add_words(documents)

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

    def clear(self) -> None:
        db.session.execute(delete(ProductSearchDoc))
        if _dialect() == "sqlite":
            db.session.execute(text("DELETE FROM search_products_fts"))
        clear_words()

    def search(self, query: SearchQuery) -> SearchResult:
        params: dict = {}
        where = _filters(query, params)
        groups, corrected = _expand(terms_of(query.text))
        if not groups:
            sql = f"SELECT {COLUMNS} FROM product_search_docs d"  # noqa: S608 — fixed fragments, values bound
            sql += (" WHERE " + " AND ".join(where)) if where else ""
            sql += " ORDER BY d.stars DESC, d.published_at DESC, d.product_id DESC"
        elif _dialect() == "sqlite":
            sql, params = self._sqlite_sql(groups, where, params)
        else:
            sql, params = self._postgres_sql(groups, where, params)
        result = _summarise(db.session.execute(text(sql), params), query)
        result.corrected = corrected
        return result

    @staticmethod
    def _sqlite_sql(groups, where, params) -> tuple[str, dict]:
        params["match"] = _fts_expression(groups)
        sql = (
            f"SELECT {COLUMNS}, bm25(search_products_fts, 8.0, 1.0) AS score FROM search_products_fts "  # noqa: S608 — fixed fragments, values bound
            "JOIN product_search_docs d ON d.product_id = search_products_fts.rowid "
            "WHERE search_products_fts MATCH :match"
        )
        sql += "".join(f" AND {c}" for c in where)
        return sql + " ORDER BY score, d.stars DESC, d.product_id DESC", params

    @staticmethod
    def _postgres_sql(groups, where, params) -> tuple[str, dict]:
        conditions, score = [], []
        for i, alternatives in enumerate(groups):
            doc_any, name_any = [], []
            for j, word in enumerate(alternatives):
                key = f"t{i}_{j}"
                params[key] = f"% {word}%"
                doc_any.append(f"(' ' || d.document) LIKE :{key}")
                name_any.append(f"(' ' || d.name) LIKE :{key}")
            conditions.append("(" + " OR ".join(doc_any) + ")")
            score.append("CASE WHEN " + " OR ".join(name_any) + " THEN 2 ELSE 0 END")
        params["phrase"] = " ".join(g[0] for g in groups)
        sql = (
            f"SELECT {COLUMNS}, ({' + '.join(score)} + similarity(d.name, :phrase)) AS score "  # noqa: S608 — fixed fragments, values bound
            "FROM product_search_docs d WHERE " + " AND ".join(conditions + where)
        )
        return sql + " ORDER BY score DESC, d.stars DESC, d.product_id DESC", params

    def suggest(self, text_: str, limit: int = 8) -> list[int]:
        return self.search(SearchQuery(text=text_, per_page=limit, facets=False)).ids
