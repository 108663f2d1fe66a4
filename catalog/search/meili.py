"""`meilisearch` backend through the official client; kept in sync by Celery tasks after each commit."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

import meilisearch
from flask import current_app

from .base import SearchQuery, SearchResult, ordered_facet, price_band
from .intent import parse

INDEX = "products"
SETTINGS = {
    "searchableAttributes": ["name", "document"],
    "filterableAttributes": [
        "category_id",
        "category_root_id",
        "province_code",
        "commune_code",
        "stars",
        "price_band",
        "cooperative_id",
    ],
    "sortableAttributes": ["stars", "price_vnd", "published_ts"],
    "rankingRules": ["words", "typo", "proximity", "attribute", "exactness", "stars:desc", "sort"],
    "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 4, "twoTypos": 100}},
    "pagination": {"maxTotalHits": 10000},
}
FACETS = ["category_root_id", "category_id", "province_code", "commune_code", "stars", "price_band"]


def _client() -> meilisearch.Client:
    url = current_app.config.get("MEILISEARCH_URL")
    if not url:
        raise RuntimeError("MEILISEARCH_URL is not set")
    return meilisearch.Client(url, current_app.config.get("MEILISEARCH_API_KEY"))


def _wait(task) -> None:
    client = _client()
    uid = getattr(task, "task_uid", None)
    if uid is not None:
        client.wait_for_task(uid, timeout_in_ms=30_000)


def _filter(query: SearchQuery) -> list[str]:
    clauses = []
    if query.category_id:
        clauses.append(f"(category_id = {int(query.category_id)} OR category_root_id = {int(query.category_id)})")
    for name in ("province_code", "commune_code", "cooperative_id"):
        value = getattr(query, name)
        if value:
            clauses.append(f"{name} = {int(value)}")
    if query.stars:
        clauses.append(f"stars >= {int(query.stars)}")
    if query.price_band:
        clauses.append(f'price_band = "{query.price_band}"')
    return clauses


class MeiliSearch:
    id: ClassVar[str] = "meilisearch"
    transactional: ClassVar[bool] = False

    def _index(self):
        return _client().index(INDEX)

    def ensure_settings(self) -> None:
        client = _client()
        _wait(client.create_index(INDEX, {"primaryKey": "product_id"}))
        _wait(client.index(INDEX).update_settings(SETTINGS))

    def index(self, documents: list[dict]) -> None:
        if not documents:
            return
        self.ensure_settings()
        shaped = []
        for doc in documents:
            item = {k: v for k, v in doc.items() if k != "published_at"}
            item["published_ts"] = int(doc["published_at"].timestamp()) if doc.get("published_at") else 0
            item["price_band"] = price_band(doc["price_vnd"])
            shaped.append(item)
        _wait(self._index().add_documents(shaped))

    def remove(self, product_ids: list[int]) -> None:
        if product_ids:
            _wait(self._index().delete_documents([str(i) for i in product_ids]))

    def clear(self) -> None:
        self.ensure_settings()
        _wait(self._index().delete_all_documents())

    def settle(self) -> None:
        """Meilisearch tidies its index itself."""

    def search(self, query: SearchQuery) -> SearchResult:
        """Ranked by Meilisearch's rules (name before document); "OCOP 4 sao" becomes a star filter as in SQL."""
        intent = parse(query.text)
        words = " ".join([*intent.terms, *intent.place_terms])
        query = replace(query, stars=max(query.stars or 0, intent.min_stars or 0) or None)
        options = {
            "filter": _filter(query),
            "offset": query.offset,
            "limit": query.per_page,
            "attributesToRetrieve": ["product_id"],
        }
        if query.facets:
            options["facets"] = FACETS
        sorts = {
            "price_asc": ["price_vnd:asc"],
            "price_desc": ["price_vnd:desc"],
            "newest": ["published_ts:desc"],
        }
        if query.sort in sorts:
            options["sort"] = sorts[query.sort]
        elif not words:
            options["sort"] = ["stars:desc", "published_ts:desc"]
        found = self._index().search(words, options)
        distribution = found.get("facetDistribution") or {}
        facets = {
            name: ordered_facet(name, {str(k): v for k, v in distribution.get(name, {}).items() if k not in ("0", "")})
            for name in FACETS
        }
        return SearchResult(
            ids=[int(hit["product_id"]) for hit in found["hits"]],
            total=found.get("estimatedTotalHits", found.get("totalHits", 0)),
            facets=facets if query.facets else {},
        )

    def suggest(self, text: str, limit: int = 8) -> list[int]:
        return self.search(SearchQuery(text=text, per_page=limit, facets=False)).ids


PLUGIN = MeiliSearch
