"""A spoofed Host header never ends up in a link the app sends out (mails, invitations, API answers)."""

from __future__ import annotations

import re
from pathlib import Path

from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import login, make_product, make_user, sent_mails
from tests.factories.orders import bearer, checkout_body

ROOT = Path(__file__).resolve().parents[2]


def _links(body: str) -> list[str]:
    return re.findall(r"https?://[^\s]+", body)


def test_forgot_password_mails_a_link_on_the_public_base_url(app, client):
    user = make_user(email="lan@example.vn")
    db.session.commit()
    client.environ_base["HTTP_HOST"] = "evil.example"
    client.form_post("/password/forgot", {"email": user.email})
    [mail] = [m for m in sent_mails(app) if m["to"] == user.email]
    links = _links(mail["body"])
    assert links and all(link.startswith("https://ocop.test/password/reset/") for link in links)
    assert "evil.example" not in mail["body"]


def test_invitation_mail_links_to_the_public_base_url(app, client):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    client.environ_base["HTTP_HOST"] = "evil.example"
    login(client, owner)
    client.form_post("/cooperative/members", {"email": "moi@example.vn"})
    [mail] = [m for m in sent_mails(app) if m["to"] == "moi@example.vn"]
    links = _links(mail["body"])
    assert links and all(link.startswith("https://ocop.test/invite/") for link in links)
    assert "evil.example" not in mail["body"]


def test_no_code_builds_links_from_the_request_host():
    """The class of the bug: links come from marketplace.urls.public_url, never from the request."""
    pattern = re.compile(r"_external\s*=\s*True|request\.host_url|request\.url_root|request\.host\b")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("marketplace", "catalog", "orders", "traceability", "integrations", "workspace", "templates")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in (".py", ".html", ".txt", ".xml") and path.is_file()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_order_mails_link_to_the_public_base_url(app, client):
    """The seller's new-order mail carries the order's link: absolute, on PUBLIC_BASE_URL, even when the
    order was placed through a request with a spoofed Host."""
    seller = make_user(Role.COOPERATIVE, email="ban@example.vn")
    product = make_product(seller.cooperative)
    buyer = make_user(email="mua@example.vn")
    db.session.commit()
    headers = bearer(buyer)
    db.session.commit()
    client.environ_base["HTTP_HOST"] = "evil.example"
    response = client.post("/api/v1/checkout", json=checkout_body({product.id: 1}), headers=headers)
    assert response.status_code == 201, response.get_json()
    [mail] = [m for m in sent_mails(app) if m["to"] == "ban@example.vn"]
    assert "https://ocop.test/cooperative/orders/" in mail["body"] and "evil.example" not in mail["body"]
