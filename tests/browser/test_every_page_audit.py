"""Every page each role can open, on a 360×740 phone: no sideways scrolling, no tap target under 24×24 px, no
serious or critical axe-core violation. One test per role; each lists all its failures at once (page, what) and
writes them to artifacts/audit-<role>.txt."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import User
from tests.browser.audit import AXE, add_audit_data, audited_paths, check_page, empty_cart
from tests.browser.conftest import ARTIFACTS, PHONE, app_context
from tests.browser.steps import ADMIN, BUYER, COOPERATIVE, STAFF, log_in

pytestmark = pytest.mark.browser
PHONE_CONTEXT = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
ROLES = {"anonymous": None, "buyer": BUYER, "cooperative": COOPERATIVE, "commune-staff": STAFF, "admin": ADMIN}


@pytest.fixture(scope="module")
def pages(live_site) -> Iterator[list[str]]:
    """The pages to visit (the data the demo lacks for some of them is added first; the buyer's cart is emptied
    after, for the journeys that fill it themselves)."""
    assert AXE.is_file(), "axe-core is missing: run `make test-deps`"
    with app_context(live_site) as app:
        users = {user.email: user for user in db.session.scalars(select(User).where(User.email.in_(ROLES.values())))}
        add_audit_data(users[COOPERATIVE], users[BUYER])
        db.session.commit()
        paths, unfilled = audited_paths(app)
    assert not unfilled, f"no demo data to open: {unfilled}"
    yield paths
    with app_context(live_site):
        empty_cart(db.session.scalar(select(User).where(User.email == BUYER)))
        db.session.commit()


def _opens(response, path: str) -> bool:
    """The role may open the page: it answered 2xx without sending the person to sign in."""
    return response is not None and response.ok and "/login" not in response.url.replace(path, "")


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_a_phone_and_passes_axe(role, browser, pages, live_site):
    # the site's Content-Security-Policy forbids inline scripts, which is how axe-core is injected
    context = browser.new_context(base_url=live_site.url, locale="vi-VN", bypass_csp=True, **PHONE_CONTEXT)
    page = context.new_page()
    if ROLES[role]:
        log_in(page, ROLES[role])
    visited, findings = [], []
    for path in pages:
        response = page.goto(path)
        if not _opens(response, path):
            continue
        visited.append(path)
        page.wait_for_load_state("load")
        findings.extend(check_page(page, role, path))
    context.close()
    report = ARTIFACTS / f"audit-{role}.txt"
    report.parent.mkdir(exist_ok=True)
    report.write_text("\n".join(["visited:", *visited, "", "findings:", *map(str, findings)]) + "\n", "utf-8")
    assert visited, f"{role} opened no page"
    assert not findings, f"{len(findings)} problems on {role}'s pages:\n" + "\n".join(map(str, findings))
