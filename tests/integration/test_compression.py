"""Pages and static files travel compressed (brotli or gzip, as the browser accepts); fingerprinted static files
are cached by the browser for a year."""

from __future__ import annotations

import gzip
import os
import re

import brotli
import pytest
from prometheus_client import REGISTRY

from marketplace.compression import KEPT_BODY_MAX_BYTES, compressed_dynamic
from marketplace.extensions import db
from tests.factories.catalog import make_published


@pytest.fixture
def page_cache(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 30)
    cache = app.extensions["ocop_page_cache"]
    cache.clear()
    yield cache
    cache.clear()


def _static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_home_page_is_sent_with_brotli_or_gzip_and_reads_the_same(app):
    make_published(name="Mật ong bạc hà Mèo Vạc")
    db.session.commit()
    visitor = app.test_client()
    plain = visitor.get("/").get_data()
    as_br = visitor.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    as_gzip = visitor.get("/", headers={"Accept-Encoding": "gzip"})
    assert as_br.headers["Content-Encoding"] == "br" and "Accept-Encoding" in as_br.headers["Vary"]
    assert as_gzip.headers["Content-Encoding"] == "gzip"
    assert brotli.decompress(as_br.get_data()) == plain == gzip.decompress(as_gzip.get_data())
    assert len(as_br.get_data()) < len(plain) / 2


def test_page_cache_keeps_one_answer_per_encoding(app, page_cache):
    product = make_published(name="Chè Shan tuyết Hà Giang")
    db.session.commit()
    visitor = app.test_client()
    page = f"/p/{product.slug}"
    visitor.get(page, headers={"Accept-Encoding": "br"})
    replayed = visitor.get(page, headers={"Accept-Encoding": "br"})
    plain = visitor.get(page)
    assert replayed.headers["X-Page-Cache"] == "hit" and replayed.headers["Content-Encoding"] == "br"
    assert "Content-Encoding" not in plain.headers
    assert "Chè Shan tuyết Hà Giang" in plain.get_data(as_text=True)


def test_fingerprinted_static_files_are_immutable_and_compressed(app):
    visitor = app.test_client()
    urls = _static_urls(visitor.get("/").get_data(as_text=True))
    css = next(url for url in urls if url.startswith("/static/css/app.css?v="))
    answer = visitor.get(css, headers={"Accept-Encoding": "br"})
    assert answer.headers["Content-Encoding"] == "br"
    assert "immutable" in answer.headers["Cache-Control"] and "max-age=31536000" in answer.headers["Cache-Control"]
    assert b"{" in brotli.decompress(answer.get_data())
    answer.close()
    stale = visitor.get("/static/css/app.css?v=old")
    assert "immutable" not in stale.headers.get("Cache-Control", "")
    stale.close()


def _reused(encoding: str) -> float:
    return REGISTRY.get_sample_value("ocop_compressed_answers_total", {"encoding": encoding, "reused": "yes"}) or 0


def test_a_page_sent_again_unchanged_reuses_its_compressed_copy_and_a_change_is_compressed_anew(app):
    product = make_published(name="Mật ong bạc hà Mèo Vạc")
    db.session.commit()
    visitor = app.test_client()
    first = visitor.get("/", headers={"Accept-Encoding": "br"}).get_data()
    before = _reused("br")
    again = visitor.get("/", headers={"Accept-Encoding": "br"}).get_data()
    assert _reused("br") == before + 1
    assert again == first and "Mật ong bạc hà Mèo Vạc" in brotli.decompress(again).decode()
    product.name = "Mật ong hoa bạc hà Đồng Văn"
    db.session.commit()
    changed = brotli.decompress(visitor.get("/", headers={"Accept-Encoding": "br"}).get_data()).decode()
    assert "Mật ong hoa bạc hà Đồng Văn" in changed and "Mèo Vạc" not in changed
    assert _reused("br") == before + 1


def test_only_the_identical_body_gets_a_kept_copy_and_a_large_one_is_not_kept():
    page = b"<p>" + "Nấm mèo Vạn Sơn ".encode() * 200 + b"</p>"
    other = page + b" "
    assert gzip.decompress(compressed_dynamic(page, "gzip")) == page
    assert gzip.decompress(compressed_dynamic(other, "gzip")) == other
    assert brotli.decompress(compressed_dynamic(page, "br")) == page  # one copy per encoding
    before = _reused("br")
    noise = os.urandom(KEPT_BODY_MAX_BYTES + 1024)  # incompressible: its brotli form is larger than the limit
    assert brotli.decompress(compressed_dynamic(noise, "br")) == noise
    assert brotli.decompress(compressed_dynamic(noise, "br")) == noise
    assert _reused("br") == before
