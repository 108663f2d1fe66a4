"""Meilisearch backend (runs only when MEILISEARCH_URL points at a server, e.g.
`docker run -p 7700:7700 getmeili/meilisearch:v1.11` then `MEILISEARCH_URL=http://127.0.0.1:7700`)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask

from catalog import services
from catalog.search import SearchQuery, get_backend
from catalog.search.documents import reindex
from catalog.tasks import sync_search
from marketplace.extensions import db
from tests.conftest import make_test_app, wipe_tables
from tests.factories import LIEN_SON, VAN_SON
from tests.factories.catalog import make_listed

MEILISEARCH_URL = os.environ.get("MEILISEARCH_URL")
pytestmark = pytest.mark.skipif(not MEILISEARCH_URL, reason="MEILISEARCH_URL is not set")


@pytest.fixture
def meili_app(database_url, tmp_path) -> Iterator[Flask]:
    app = make_test_app(database_url, tmp_path, SEARCH_BACKEND="meilisearch", MEILISEARCH_URL=MEILISEARCH_URL)
    with app.app_context():
        get_backend().clear()
        yield app
        db.session.remove()
        wipe_tables(app)


def test_index_settings_typos_filters_and_facets(meili_app):
    meow = make_listed("Nấm mèo khô Vạn Sơn", "nong-san-so-che", VAN_SON, 4, 125_000)
    cucumber = make_listed("Dưa chuột muối chua", "thuc-pham-che-bien", LIEN_SON, None, 45_000)
    db.session.commit()
    assert reindex() == 2
    backend = get_backend()
    settings = backend._index().get_settings()
    assert settings["typoTolerance"]["minWordSizeForTypos"]["oneTypo"] == 4
    assert "province_code" in settings["filterableAttributes"] and "stars" in settings["sortableAttributes"]
    for text, expected in (
        ("nam meo", meow.id),
        ("NẤM MÈO", meow.id),
        ("dua chout", cucumber.id),
        ("dua ch", cucumber.id),
    ):
        assert backend.search(SearchQuery(text=text)).ids[0] == expected, text
    filtered = backend.search(SearchQuery(text="", commune_code=LIEN_SON))
    assert filtered.ids == [cucumber.id]
    everything = backend.search(SearchQuery(text=""))
    assert everything.facets["stars"] == {"4": 1} and everything.facets["commune_code"][str(VAN_SON)] == 1


def test_tasks_keep_the_index_in_step_on_change_and_unpublish(meili_app):
    product = make_listed("Mật ong bạc hà", "mat-ong", VAN_SON, None, 300_000)
    db.session.commit()
    sync_search(product.id)  # what the worker runs after the commit
    backend = get_backend()
    assert backend.search(SearchQuery(text="mat ong")).ids == [product.id]
    product.status = services.S.ARCHIVED
    db.session.commit()
    sync_search(product.id)
    assert backend.search(SearchQuery(text="mat ong")).ids == []
