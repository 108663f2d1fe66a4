"""What a typed query means beyond its words: marks to honour, an OCOP star level, a place to boost.

`parse("mật ong Hà Giang OCOP 4 sao")` → required words `mat ong`, place words `ha giang` (province 8, former
Hà Giang, boosted but not required), at least 4 stars, marked words `mật hà`. Every backend ranks from this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Commune, Province

from .base import marked_words, terms_of

CERTIFIED_WORD = "ocop"
STARS_WORD = "sao"
STAR_LEVEL = re.compile(r"^([1-5])(?:sao)?$")
# words buyers type for a product the catalogue spells otherwise
SPELLINGS = {"cafe": ["ca", "phe"], "caphe": ["ca", "phe"], "coffee": ["ca", "phe"]}
PLACE_PREFIXES = ("thanh pho ", "xa ", "phuong ", "dac khu ")
MAX_PLACE_WORDS = 5
# provinces merged in 2025 (Resolution 202/2025/QH15): buyers still name them, so they boost the new province
FORMER_PROVINCES = {
    "ha giang": 8,
    "yen bai": 15,
    "bac kan": 19,
    "vinh phuc": 25,
    "hoa binh": 25,
    "bac giang": 24,
    "thai binh": 33,
    "hai duong": 31,
    "ha nam": 37,
    "nam dinh": 37,
    "quang binh": 44,
    "quang nam": 48,
    "kon tum": 51,
    "binh dinh": 52,
    "ninh thuan": 56,
    "phu yen": 66,
    "dak nong": 68,
    "binh thuan": 68,
    "binh phuoc": 75,
    "binh duong": 79,
    "ba ria vung tau": 79,
    "vung tau": 79,
    "long an": 80,
    "tien giang": 82,
    "ben tre": 86,
    "tra vinh": 86,
    "kien giang": 91,
    "soc trang": 92,
    "hau giang": 92,
    "bac lieu": 96,
}


@dataclass(frozen=True)
class Place:
    """Province and commune codes one typed place name stands for."""

    provinces: frozenset[int] = frozenset()
    communes: frozenset[int] = frozenset()


@dataclass
class Intent:
    terms: list[str]
    place_terms: list[str] = field(default_factory=list)
    place: Place | None = None
    marks: list[str] = field(default_factory=list)
    min_stars: int | None = None


def _short(folded: str) -> str:
    for prefix in PLACE_PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix) :]
    return folded


@lru_cache(maxsize=4)
def _gazetteer(_database: str) -> dict[str, Place]:
    """Folded place names → codes: provinces (also former ones) and communes of at least two words."""
    provinces: dict[str, set[int]] = {}
    communes: dict[str, set[int]] = {}
    for code, folded in db.session.execute(select(Province.code, Province.name_folded)):
        provinces.setdefault(_short(folded), set()).add(code)
    for name, code in FORMER_PROVINCES.items():
        provinces.setdefault(name, set()).add(code)
    for code, folded in db.session.execute(select(Commune.code, Commune.name_folded)):
        # "Phường Lâm Viên - Đà Lạt" is found as "lam vien da lat" and as "da lat"
        for name in {_short(folded), *_short(folded).split(" - ")}:
            words = " ".join(terms_of(name))
            if " " in words:
                communes.setdefault(words, set()).add(code)
    return {
        name: Place(frozenset(provinces.get(name, ())), frozenset(communes.get(name, ())))
        for name in provinces.keys() | communes.keys()
    }


def places() -> dict[str, Place]:
    """This database's gazetteer (reference data from migrations, loaded once per process)."""
    return _gazetteer(str(db.session.get_bind().url))


def _take_stars(terms: list[str]) -> tuple[list[str], int | None]:
    """Remove `ocop`, `4 sao`, `ocop 5`, `3sao` from the words; return what is left and the star level asked."""
    left: list[str] = []
    stars: int | None = None
    skip_next = False
    for i, term in enumerate(terms):
        if skip_next:
            skip_next = False
            continue
        following = terms[i + 1] if i + 1 < len(terms) else ""
        previous = terms[i - 1] if i else ""
        level = STAR_LEVEL.match(term)
        if term == CERTIFIED_WORD:
            stars = stars or 1
        elif level and (following == STARS_WORD or term.endswith(STARS_WORD) or previous == CERTIFIED_WORD):
            stars = max(stars or 0, int(level.group(1)))
            skip_next = following == STARS_WORD
        else:
            left.append(term)
    return left, stars


def _find_place(terms: list[str]) -> tuple[int, int, Place] | None:
    """The longest run of words naming a place: (start, end, place), or None."""
    known = places()
    for length in range(min(MAX_PLACE_WORDS, len(terms)), 0, -1):
        for start in range(len(terms) - length + 1):
            place = known.get(" ".join(terms[start : start + length]))
            if place and (length > 1 or place.provinces):
                return start, start + length, place
    return None


def parse(text: str) -> Intent:
    """Split a query into required words, a boosted place, marked words and a star level."""
    words = [part for term in terms_of(text) for part in SPELLINGS.get(term, [term])]
    terms, stars = _take_stars(words)
    intent = Intent(terms=terms, marks=marked_words(text), min_stars=stars)
    found = _find_place(terms)
    if found:
        start, end, intent.place = found
        rest = terms[:start] + terms[end:]
        if rest:  # the place is a boost, not a filter: other words decide what matches
            intent.terms, intent.place_terms = rest, terms[start:end]
    return intent
