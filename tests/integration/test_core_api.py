"""The core JSON API: tokens, error bodies, the OpenAPI document, provinces and communes, no cookie access."""

from __future__ import annotations

from openapi_spec_validator import validate

from marketplace.extensions import db
from marketplace.models import ApiToken, Role
from tests.factories import PASSWORD, api_token, make_user


def test_token_flow_and_revocation(client):
    make_user(email="khach@example.vn")
    db.session.commit()
    headers = api_token(client, "khach@example.vn")
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200 and me.get_json()["email"] == "khach@example.vn"
    stored = db.session.query(ApiToken).one()
    assert stored.token_hash != headers["Authorization"].split()[1]  # only the hash is kept
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    revoked = client.get("/api/v1/me", headers=headers)
    assert revoked.status_code == 401
    assert revoked.get_json()["error"]["code"] == "unauthorized"


def test_wrong_password_gives_401_json(client):
    make_user(email="x@example.vn")
    db.session.commit()
    response = client.post("/api/v1/auth/token", json={"email": "x@example.vn", "password": "sai"})
    assert response.status_code == 401
    assert response.get_json() == {
        "error": {"code": "invalid_credentials", "message": "E-mail hoặc mật khẩu không đúng."}
    }


def test_token_endpoint_is_rate_limited(client):
    statuses = [
        client.post("/api/v1/auth/token", json={"email": "y@example.vn", "password": "sai"}).status_code
        for _ in range(11)
    ]
    assert statuses[-1] == 429 and set(statuses[:10]) == {401}


def test_malformed_and_invalid_bodies_are_4xx_json(client):
    bad_json = client.post("/api/v1/auth/token", data="{oops", content_type="application/json")
    assert bad_json.status_code == 400 and "error" in bad_json.get_json()
    missing = client.post("/api/v1/auth/token", json={"email": "a@b.vn"})
    assert missing.status_code == 422
    assert "password" in missing.get_json()["error"]["fields"]["json"]


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/v1/khong-co")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_openapi_document_is_valid(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/auth/token" in spec["paths"]


def test_communes_by_province_fold_accents(client):
    response = client.get("/api/v1/provinces/38/communes?q=muong lat")
    assert [c["name"] for c in response.get_json()] == ["Xã Mường Lát"]
    assert client.get("/api/v1/provinces/99/communes").status_code == 404


def test_cookie_session_does_not_authenticate_the_api(client):
    make_user(Role.ADMIN, email="admin2@example.vn")
    db.session.commit()
    client.form_post("/login", {"email": "admin2@example.vn", "password": PASSWORD})
    assert client.get("/api/v1/me").status_code == 401  # the API takes bearer tokens only, so CSRF cannot apply
