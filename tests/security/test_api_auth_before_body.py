"""An API call without a valid token is answered 401 before its body is read: no validation details
(422) leak the shape of protected operations to someone who may not call them."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import api_token, make_user

PROTECTED_WRITES = [
    ("post", "/api/v1/checkout"),
    ("post", "/api/v1/products"),
    ("post", "/api/v1/batches"),
    ("post", "/api/v1/batches/LO-KHONG-CO/events"),
    ("post", "/api/v1/orders/1/cancel"),
]


@pytest.mark.parametrize(("method", "url"), PROTECTED_WRITES)
@pytest.mark.parametrize("body", [{"khong": "hop le"}, {}, []])
def test_no_token_and_a_bad_body_is_401(client, method, url, body):
    response = getattr(client, method)(url, json=body)
    assert response.status_code == 401, response.get_json()
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("method", "url"), PROTECTED_WRITES[:3])
def test_a_revoked_looking_token_and_a_bad_body_is_401(client, method, url):
    response = getattr(client, method)(url, json={"x": 1}, headers={"Authorization": "Bearer ocop_gia_mao"})
    assert response.status_code == 401


def test_a_buyer_creating_a_product_with_a_bad_body_is_403(client):
    """The role is checked before the body too: a buyer learns nothing about the product schema."""
    make_user(Role.BUYER, email="mua@example.vn")
    db.session.commit()
    headers = api_token(client, "mua@example.vn")
    assert client.post("/api/v1/products", json={"x": 1}, headers=headers).status_code == 403


def test_a_valid_token_still_gets_the_validation_answer(client):
    make_user(Role.BUYER, email="mua@example.vn")
    db.session.commit()
    headers = api_token(client, "mua@example.vn")
    assert client.post("/api/v1/checkout", json={"x": 1}, headers=headers).status_code == 422
