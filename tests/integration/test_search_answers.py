"""A search's answer is reused while the index is unchanged, and never after a change committed by any process of
the host (catalog/search/answers.py). Runs on both databases with the reuse turned on (the tests otherwise turn it
off: they wipe tables behind the index's back)."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.search import SearchQuery, answers, get_backend
from catalog.search.indexing import sync_products
from catalog.services import archive_product
from marketplace.extensions import db
from marketplace.models import Role
from tests.conftest import make_test_app
from tests.factories import login, make_product, make_user
from tests.factories.statements import counted_statements


@pytest.fixture(autouse=True)
def _answers_kept(app, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_ANSWER_SECONDS", 300)
    app.extensions.pop(answers.EXTENSION, None)
    yield
    app.extensions.pop(answers.EXTENSION, None)


def _indexed(owner, name: str):
    product = make_product(owner.cooperative, name=name)
    sync_products([product.id])
    db.session.commit()
    return product


def _found(text: str) -> list[int]:
    return get_backend().search(SearchQuery(text=text)).ids


def test_the_same_search_again_reads_nothing_and_answers_the_same(client):
    owner = make_user(Role.COOPERATIVE)
    honey = _indexed(owner, "Mật ong bạc hà Hà Giang")
    login(client, make_user(Role.BUYER))
    first = client.get("/search?q=mật+ong").get_data(as_text=True)
    with counted_statements() as statements:
        again = client.get("/search?q=mật+ong").get_data(as_text=True)
    assert f"/p/{honey.slug}" in first and f"/p/{honey.slug}" in again
    assert not [s for s in statements if "product_search_docs" in s or "search_products_fts" in s]


def test_a_product_published_by_another_process_shows_in_the_next_answer(app, tmp_path, keep_celery_app):
    owner = make_user(Role.COOPERATIVE)
    _indexed(owner, "Trà shan tuyết cổ thụ")
    cooperative = owner.cooperative
    before = _found("trà shan")
    other = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, INSTANCE_PATH=app.config["INSTANCE_PATH"])
    other.config["SEARCH_ANSWER_SECONDS"] = 300
    with other.app_context():
        added = make_product(cooperative, name="Trà shan tuyết Tà Xùa")
        sync_products([added.id])
        db.session.commit()
        added_id = added.id
        db.session.remove()
    db.session.rollback()  # the next request's transaction: a new snapshot
    after = _found("trà shan")
    assert added_id not in before and added_id in after


def test_an_archived_product_leaves_the_next_answer(client):
    owner = make_user(Role.COOPERATIVE)
    product = _indexed(owner, "Nấm mèo Vạn Sơn")
    assert _found("nấm mèo") == [product.id]
    archive_product(owner, product)
    db.session.commit()
    assert _found("nấm mèo") == []


def test_a_transaction_sees_its_own_index_writes_and_a_rollback_changes_nothing(app):
    owner = make_user(Role.COOPERATIVE)
    kept = _indexed(owner, "Chuối Viba sấy dẻo")
    version = answers._answers().version()
    assert _found("chuối viba") == [kept.id]
    added = make_product(owner.cooperative, name="Chuối Viba tươi")
    sync_products([added.id])
    assert set(_found("chuối viba")) == {kept.id, added.id}
    db.session.rollback()
    assert answers._answers().version() == version
    assert _found("chuối viba") == [kept.id]


def test_answers_older_than_the_setting_are_read_again(app, monkeypatch):
    owner = make_user(Role.COOPERATIVE)
    product = _indexed(owner, "Bí ngòi xanh")
    assert _found("bí ngòi") == [product.id]
    monkeypatch.setitem(app.config, "SEARCH_ANSWER_SECONDS", 0)
    with counted_statements() as statements:
        _found("bí ngòi")
    assert statements


def test_a_version_file_that_cannot_be_written_loses_no_change(app, tmp_path):
    owner = make_user(Role.COOPERATIVE)
    first = _indexed(owner, "Mộc nhĩ rừng")
    assert _found("mộc nhĩ") == [first.id]
    version = Path(app.config["INSTANCE_PATH"]) / answers.VERSION_FILE
    kept = tmp_path / "kept-version"
    if version.exists():
        version.rename(kept)
    version.mkdir()  # appending to a folder fails like a read-only disk would
    try:
        second = _indexed(owner, "Mộc nhĩ đen")
        assert set(_found("mộc nhĩ")) == {first.id, second.id}
    finally:
        version.rmdir()
        if kept.exists():
            kept.rename(version)
