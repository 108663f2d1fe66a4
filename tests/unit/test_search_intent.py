"""How typed words turn into a star level and marked words before any database is asked."""

from __future__ import annotations

import pytest

from catalog.search.base import marked, marked_words, ordered_facet
from catalog.search.intent import _take_stars


@pytest.mark.parametrize(
    ("typed", "left", "stars"),
    [
        (["ocop"], [], 1),
        (["ocop", "4", "sao"], [], 4),
        (["mat", "ong", "5", "sao"], ["mat", "ong"], 5),
        (["che", "ocop", "3"], ["che"], 3),
        (["4sao", "gao"], ["gao"], 4),
        (["sao", "vang"], ["sao", "vang"], None),  # "sao" without a number is a word ("Sao vàng")
        (["gao", "500"], ["gao", "500"], None),
    ],
)
def test_ocop_and_star_words_become_a_star_level(typed, left, stars):
    assert _take_stars(typed) == (left, stars)


def test_marked_words_are_the_ones_typed_with_marks():
    assert marked("  Nấm   MÈO ") == "nấm mèo"
    assert marked_words("Nấm meo Đỏ") == ["nấm", "đỏ"]
    assert marked_words("nam meo") == []


def test_price_bands_are_listed_cheapest_first_and_stars_highest_first():
    assert list(ordered_facet("price_band", {"500000-": 9, "0-50000": 1, "100000-200000": 5})) == [
        "0-50000",
        "100000-200000",
        "500000-",
    ]
    assert list(ordered_facet("stars", {"3": 9, "5": 1, "4": 4})) == ["5", "4", "3"]
    assert list(ordered_facet("province_code", {"8": 1, "38": 7})) == ["38", "8"]
