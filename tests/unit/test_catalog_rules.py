"""Pure catalog rules: folding for search, slugs, GTIN check digits, description sanitising, typo distance."""

from __future__ import annotations

import re
from datetime import date

import pytest

from catalog.markdown import render_description
from catalog.models import CertificationLevel, OcopCertificate, Product
from catalog.models import ProductStatus as S
from catalog.search import price_band, terms_of
from catalog.search.vocabulary import within_one_edit
from catalog.services import ALLOWED, can_move
from catalog.validation import clean_description, gtin_is_valid
from marketplace.text import fold, slugify


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("Nấm mèo", ["nam", "meo"]),
        ("NẤM MÈO", ["nam", "meo"]),
        ("Dưa chuột", ["dua", "chuot"]),
        ("ĐẶC SẢN Đà Lạt", ["dac", "san", "da", "lat"]),
        ("Mật ong (bạc hà) – Mèo Vạc!", ["mat", "ong", "bac", "ha", "meo", "vac"]),
        ("hoà / hòa", ["hoa", "hoa"]),
        ("Na\u0302\u0301m me\u0300o", ["nam", "meo"]),  # NFD input folds the same
        ("", []),
    ],
)
def test_query_terms_are_folded_like_the_index(text, terms):
    assert terms_of(text) == terms


def test_folding_is_idempotent_and_maps_d_before_stripping():
    assert fold("Đường") == "duong"
    assert fold(fold("Trà Shan tuyết cổ thụ")) == fold("Trà Shan tuyết cổ thụ") == "tra shan tuyet co thu"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Mật ong bạc hà Mèo Vạc", "mat-ong-bac-ha-meo-vac"),
        ("  Nấm   mèo khô 500 g ", "nam-meo-kho-500-g"),
        ("Chè Shan tuyết – Hà Giang!", "che-shan-tuyet-ha-giang"),
        ("Đậu đỏ", "dau-do"),
    ],
)
def test_slug_is_the_folded_name(name, slug):
    assert slugify(name) == slug


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("4006381333931", True),  # EAN-13
        ("8934588012228", True),  # Vietnamese prefix 893
        ("00012345600012", True),  # GTIN-14
        ("036000291452", True),  # UPC-A
        ("96385074", True),  # EAN-8
        ("4006381333932", False),  # wrong check digit
        ("8934588012227", False),
        ("400638133393", False),  # digit missing
        ("40063813339311", False),
        ("40063813339a1", False),
        ("", False),
    ],
)
def test_gtin_check_digit(value, valid):
    assert gtin_is_valid(value) is valid


def test_markdown_keeps_formatting_and_line_breaks():
    html = render_description("Nấm sấy lạnh.\nĐóng túi 500 g.\n\n- **Không** chất bảo quản\n- *Giao* toàn quốc")
    assert "Nấm sấy lạnh.<br>" in html
    assert "<li><strong>Không</strong> chất bảo quản</li>" in html
    assert "<em>Giao</em>" in html


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[bấm](javascript:alert(1))",
        '<a href="https://x.vn" onclick="alert(1)">x</a>',
        "![ảnh](https://evil.example/track.png)",
        "<iframe src=https://evil.example></iframe>",
    ],
)
def test_markdown_never_lets_active_content_through(attack):
    html = str(render_description(attack))
    tags = re.findall(r"<[^>]+>", html)  # real tags only; escaped text (&lt;…) is harmless
    assert all(
        re.fullmatch(r"</?(p|a|br)( href=\"https?://[^\"]*\" rel=\"nofollow noopener ugc\")?>", t) for t in tags
    ), tags


def test_links_are_kept_but_marked_nofollow():
    html = str(render_description("Xem [trang HTX](https://htx.example.vn)"))
    assert 'href="https://htx.example.vn"' in html and 'rel="nofollow noopener ugc"' in html


def test_stored_description_loses_html_but_keeps_text_and_symbols():
    assert clean_description("  Ngon <b>lắm</b> & rẻ, 5 < 6\n<script>x()</script>Hết ") == "Ngon lắm & rẻ, 5 < 6\nHết"


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [
        ("meo", "meo", True),
        ("chuot", "chout", True),  # neighbours swapped
        ("chuot", "chot", True),  # one letter missing
        ("chuot", "chuoot", True),  # one letter extra
        ("chuot", "chuat", True),  # one letter wrong
        ("chuot", "cuhto", False),
        ("chuot", "ch", False),
    ],
)
def test_one_edit_distance(a, b, close):
    assert within_one_edit(a, b) is close
    assert within_one_edit(b, a) is close


def test_price_bands():
    assert price_band(0) == "0-50000"
    assert price_band(49_999) == "0-50000"
    assert price_band(50_000) == "50000-100000"
    assert price_band(125_000) == "100000-200000"
    assert price_band(2_000_000) == "500000-"


@pytest.mark.parametrize(
    ("issued", "expires"),
    [
        (date(2024, 1, 15), date(2027, 1, 15)),
        (date(2024, 2, 29), date(2027, 2, 28)),  # no 29 February in 2027
        (date(2023, 8, 31), date(2026, 8, 31)),
    ],
)
def test_certificate_lasts_36_months(issued, expires):
    assert OcopCertificate.standard_expiry(issued) == expires


def test_a_certificate_shows_its_stars_only_while_valid():
    certificate = OcopCertificate(
        stars=4,
        certificate_no="1/QĐ-UBND",
        level=CertificationLevel.PROVINCE,
        issued_on=date(2024, 1, 15),
        expires_on=OcopCertificate.standard_expiry(date(2024, 1, 15)),
    )
    product = Product(name="Chè", certificate=certificate)
    assert [certificate.valid_on(day) for day in (date(2024, 1, 14), date(2024, 1, 15), date(2027, 1, 15))] == [
        False,
        True,
        True,
    ]
    assert product.valid_stars(date(2027, 1, 15)) == 4 and product.valid_stars(date(2027, 1, 16)) == 0
    assert Product(name="Không chứng nhận").valid_stars(date(2027, 1, 1)) == 0


def test_status_moves_are_data():
    assert can_move(S.DRAFT, S.PENDING_REVIEW)
    assert can_move(S.PENDING_REVIEW, S.PUBLISHED) and can_move(S.PENDING_REVIEW, S.REJECTED)
    assert can_move(S.PUBLISHED, S.ARCHIVED) and can_move(S.REJECTED, S.ARCHIVED)
    assert not can_move(S.DRAFT, S.PUBLISHED)  # nothing is published without review
    assert not can_move(S.REJECTED, S.PUBLISHED)
    assert not can_move(S.ARCHIVED, S.PUBLISHED)
    assert set(ALLOWED) == set(S)
