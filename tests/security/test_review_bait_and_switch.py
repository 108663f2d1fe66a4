"""A reviewer approves exactly what they saw: content changed after the review page was opened is never published
by that approval (bait and switch), and an edit of a product waiting for review takes it back to draft."""

from __future__ import annotations

import re

from catalog import services
from catalog.models import Product, ProductStatus, RevisionStatus
from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import api_token, login, make_user
from tests.factories.catalog import make_draft, make_published, owner_of

STALE = "đã thay đổi sau khi bạn mở trang duyệt"


def _pending():
    owner = make_user(Role.COOPERATIVE)
    product = make_draft(owner, description="Nấm mèo sấy lạnh, không chất bảo quản.")
    services.submit_product(owner, product)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=owner.cooperative.commune_code)
    db.session.commit()
    return owner, staff, product


def _version_field(page: str) -> str:
    found = re.search(r'<input type="hidden" name="version" value="(\d+)">', page)
    assert found, "the approve form carries the version the reviewer saw"
    return found.group(1)


def test_an_edit_while_pending_withdraws_it_and_the_stale_approval_is_refused(app, client):
    owner, staff, product = _pending()
    login(client, staff)
    seen = _version_field(client.get(f"/commune/review/products/{product.id}").get_data(as_text=True))
    services.update_product(owner, db.session.get(Product, product.id), {"description": "Chữa khỏi mọi bệnh!"})
    db.session.commit()
    assert db.session.get(Product, product.id).status == ProductStatus.DRAFT  # withdrawn by the edit
    r = client.form_post(f"/commune/review/products/{product.id}/approve", {"version": seen}, follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(Product, product.id).status != ProductStatus.PUBLISHED
    assert STALE in r.get_data(as_text=True)


def test_approving_what_was_seen_publishes_it(app, client):
    _owner, staff, product = _pending()
    login(client, staff)
    seen = _version_field(client.get(f"/commune/review/products/{product.id}").get_data(as_text=True))
    client.form_post(f"/commune/review/products/{product.id}/approve", {"version": seen})
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == ProductStatus.PUBLISHED


def test_api_approval_with_a_stale_version_is_a_409(app, client):
    owner, staff, product = _pending()
    headers = api_token(client, staff.email)
    seen = client.get(f"/api/v1/products/{product.id}", headers=headers).get_json()["version"]
    services.update_product(owner, db.session.get(Product, product.id), {"description": "Nội dung khác hẳn."})
    services.submit_product(owner, db.session.get(Product, product.id))  # resubmitted with other content
    db.session.commit()
    r = client.post(f"/api/v1/products/{product.id}/approve", json={"version": seen}, headers=headers)
    assert r.status_code == 409 and STALE in r.get_json()["error"]["message"]
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == ProductStatus.PENDING_REVIEW
    current = client.get(f"/api/v1/products/{product.id}", headers=headers).get_json()["version"]
    ok = client.post(f"/api/v1/products/{product.id}/approve", json={"version": current}, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["status"] == "published"


def test_api_approval_without_a_version_approves_what_is_current(app, client):
    _owner, staff, product = _pending()
    headers = api_token(client, staff.email)
    r = client.post(f"/api/v1/products/{product.id}/approve", headers=headers)
    assert r.status_code == 200 and r.get_json()["status"] == "published"


def test_a_revision_changed_after_the_review_page_opened_is_not_approved(app, client):
    product = make_published()
    owner = owner_of(product)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=owner.cooperative.commune_code)
    revision = services.update_product(owner, product, {"name": "Nấm mèo khô Vạn Sơn loại 1"})
    db.session.commit()
    login(client, staff)
    seen = _version_field(client.get(f"/commune/review/revisions/{revision.id}").get_data(as_text=True))
    services.update_product(owner, db.session.get(Product, product.id), {"description": "Chữa khỏi mọi bệnh!"})
    db.session.commit()
    r = client.form_post(f"/commune/review/revisions/{revision.id}/approve", {"version": seen}, follow_redirects=True)
    assert STALE in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Product, product.id).description != "Chữa khỏi mọi bệnh!"
    assert revision.status == RevisionStatus.PENDING
    fresh = _version_field(client.get(f"/commune/review/revisions/{revision.id}").get_data(as_text=True))
    client.form_post(f"/commune/review/revisions/{revision.id}/approve", {"version": fresh})
    db.session.expire_all()
    assert db.session.get(Product, product.id).description == "Chữa khỏi mọi bệnh!"


def test_a_photo_added_while_pending_withdraws_it(app):
    owner, _staff, product = _pending()
    from tests.factories.catalog import jpeg_bytes

    services.add_image(owner, product, jpeg_bytes(colour=(10, 200, 10)))
    db.session.commit()
    assert db.session.get(Product, product.id).status == ProductStatus.DRAFT
