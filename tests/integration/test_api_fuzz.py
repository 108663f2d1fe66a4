"""Schemathesis throws generated requests at every operation of /api/v1/openapi.json.

Every answer must be below 500, carry a declared status code, content type and headers, match the declared schema,
reject invalid input with a 4xx, answer 405 with `Allow` to undeclared methods, and refuse protected operations
without a token. Runs on SQLite only (the checks are about the API surface, not the database) against the demo
data, with a fresh bearer token of the role each operation is meant for. Examples are bounded and derandomised,
so a run is repeatable and short.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from marketplace.demo import seed
from marketplace.extensions import db, limiter
from marketplace.migrate import upgrade
from marketplace.services import find_user_by_email, issue_api_token
from tests.conftest import make_test_app

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    unsupported_method,
]
# Which demo account an operation is meant for; everything else is tried as a buyer.
ROLE_BY_OPERATION = [
    (re.compile(r"^POST /api/v1/products/\{[^}]+\}/(approve|reject)$"), "xa@demo.ocop.vn"),
    (re.compile(r"^(POST|PUT|PATCH|DELETE) /api/v1/(products|batches)"), "htx@demo.ocop.vn"),
    (re.compile(r"^GET /api/v1/(batches|cooperative)"), "htx@demo.ocop.vn"),
    (re.compile(r"^\w+ /api/v1/(admin|communes?/)"), "admin@demo.ocop.vn"),
]
BUYER = "khach@demo.ocop.vn"

# The site under test: its own SQLite file, filled by the `demo_site` fixture before the first example is sent.
# Reading the OpenAPI document touches no database, so the schema can be built when pytest collects this module.
SITE_DIR = Path(tempfile.mkdtemp(prefix="ocop-fuzz-"))
SITE_URL = f"sqlite:///{SITE_DIR / 'ocop.sqlite'}"
site = make_test_app(SITE_URL, SITE_DIR)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", site)


@pytest.fixture(scope="module")
def demo_site() -> Iterator[Flask]:
    """Migrate and seed the site's database (kept across examples: the fuzzer builds on what it created)."""
    upgrade(SITE_URL)
    with site.app_context():
        seed()
        db.session.commit()
    yield site
    with site.app_context():
        db.engine.dispose()
    shutil.rmtree(SITE_DIR, ignore_errors=True)


def account_for(method: str, path: str) -> str:
    label = f"{method.upper()} {path}"
    return next((email for pattern, email in ROLE_BY_OPERATION if pattern.search(label)), BUYER)


def bearer_for(app: Flask, email: str) -> str:
    """A fresh token for each example, so an example that revokes its token does not spoil the next.
    Rate limits start afresh too, so the fuzzer explores the operation instead of collecting 429s."""
    with app.app_context():
        limiter.reset()
        token = issue_api_token(find_user_by_email(email), "fuzz")
        db.session.commit()
    return f"Bearer {token}"


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_operations_never_fail_and_match_their_schema(case, demo_site):
    headers = {
        "Authorization": bearer_for(demo_site, account_for(case.method, case.path)),
        # the app is called as WSGI, with nothing to undo brotli/gzip as an HTTP client would (test_compression)
        "Accept-Encoding": "identity",
    }
    case.call_and_validate(headers=headers, checks=CHECKS)
