"""What every search backend shares: the `SearchBackend` protocol, the query and result shapes, price bands and
the folding of typed words. Backend modules import this module, never the package, so there is no cycle."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from marketplace.text import fold, nfc

PRICE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-50000", 0, 50_000),
    ("50000-100000", 50_000, 100_000),
    ("100000-200000", 100_000, 200_000),
    ("200000-500000", 200_000, 500_000),
    ("500000-", 500_000, None),
)
TYPO_MIN_LENGTH = 4
SORTS = ("relevance", "price_asc", "price_desc", "newest")
MAX_TERMS = 8


def price_band(price_vnd: int) -> str:
    """The key of the price band a price falls in."""
    for key, low, high in PRICE_BANDS:
        if price_vnd >= low and (high is None or price_vnd < high):
            return key
    return PRICE_BANDS[-1][0]


def ordered_facet(name: str, counts: dict[str, int]) -> dict[str, int]:
    """Price bands cheapest first, stars highest first, any other facet most products first."""
    if name == "price_band":
        order = {key: i for i, (key, _low, _high) in enumerate(PRICE_BANDS)}
        return dict(sorted(counts.items(), key=lambda kv: order.get(kv[0], len(order))))
    if name == "stars":
        return dict(sorted(counts.items(), key=lambda kv: -int(kv[0])))
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _words(text: str) -> list[str]:
    return "".join(ch if ch.isalnum() else " " for ch in text).split()


def terms_of(text: str) -> list[str]:
    """Folded words of a query, as the index stores them (`Nấm Mèo` → ['nam', 'meo'])."""
    return [w[:60] for w in _words(fold(text or ""))][:MAX_TERMS]


def marked(text: str) -> str:
    """Lower-case NFC text with its Vietnamese marks kept (`Nấm  Mèo` → `nấm mèo`)."""
    return " ".join((nfc(text) or "").lower().split())


def marked_words(text: str) -> list[str]:
    """The typed words that carry Vietnamese marks (or đ), lower-case: `Nấm meo` → ['nấm']."""
    return [w[:60] for w in _words(marked(text)) if fold(w) != w][:MAX_TERMS]


@dataclass
class SearchQuery:
    text: str = ""
    category_id: int | None = None
    category_group_id: int | None = None  # category_id's group (itself for a group) when the caller read it
    province_code: int | None = None
    commune_code: int | None = None
    stars: int | None = None
    price_band: str | None = None
    cooperative_id: int | None = None
    page: int = 1
    per_page: int = 24
    facets: bool = True
    sort: str = "relevance"  # SORTS (what pages offer) or stars: most stars, then newest, then highest id first

    @property
    def offset(self) -> int:
        return (max(self.page, 1) - 1) * self.per_page


@dataclass
class SearchResult:
    ids: list[int]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    corrected: dict[str, list[str]] = field(default_factory=dict)


class SearchBackend(Protocol):
    """A place products are indexed and found; only published products are ever indexed."""

    id: ClassVar[str]
    transactional: ClassVar[bool]  # True: writes join the caller's DB transaction (no task needed)

    def index(self, documents: list[dict]) -> None: ...

    def remove(self, product_ids: list[int]) -> None: ...

    def clear(self) -> None: ...

    def settle(self) -> None:
        """After a full reindex, committed: let the backend tidy its index for reading (merge, vacuum)."""

    def search(self, query: SearchQuery) -> SearchResult: ...

    def suggest(self, text: str, limit: int = 8) -> list[int]: ...
