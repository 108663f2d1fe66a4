"""Pages for people who are signed in (no page cache applies to them): the buyer's catalogue pages, cart and
orders, the cooperative's product and order lists, the commune dashboard. Each is loaded by wrk with the
session cookie of a demo account, as a ratio of the hello-world baseline of the same run; the SQL statements
each page runs are counted in-process with a SQLAlchemy `before_cursor_execute` listener. Each page's ratio is to a
hello-world server loaded turn about with it (hello, page, hello, page, hello, page, hello), not to the run's first
baseline: the shared machine's speed drifts over the minutes the pages take.
"""

from __future__ import annotations

import re
import statistics

import requests

from tests.factories.statements import counted_statements
from tests.perf.harness import BenchRow, gunicorn_server, wrk_rps
from tests.perf.sites import Site, served_site

ROUNDS = 3  # the shared machine drifts: three page loads between four hello-world loads average it out
ROUND_SECONDS = 3
DEMO_PASSWORD = "demo12345"
CATEGORY = "nong-san-so-che"
BUYER_TARGET = "≥ 0.15×"
DESK_TARGET = "≥ 0.10×"
PAGES = (
    ("khach@demo.ocop.vn", "home /", "/", BUYER_TARGET),
    ("khach@demo.ocop.vn", "category /c/<slug>", f"/c/{CATEGORY}", BUYER_TARGET),
    ("khach@demo.ocop.vn", "search /search?q=nam+meo", "/search?q=nam+meo", BUYER_TARGET),
    ("khach@demo.ocop.vn", "product /p/<slug>", None, BUYER_TARGET),
    ("khach@demo.ocop.vn", "cart /cart", "/cart", BUYER_TARGET),
    ("khach@demo.ocop.vn", "order list /orders/", "/orders/", BUYER_TARGET),
    ("htx@demo.ocop.vn", "cooperative products /cooperative/products", "/cooperative/products", DESK_TARGET),
    ("htx@demo.ocop.vn", "cooperative orders /cooperative/orders", "/cooperative/orders", DESK_TARGET),
    ("xa@demo.ocop.vn", "commune dashboard /commune/", "/commune/", DESK_TARGET),
)


# One browser signs in and then loads the pages: the same User-Agent for both. Flask-Login's session protection
# ties the session to the address and User-Agent; a different one (wrk sends none) marks the session "not fresh"
# and, since wrk never stores the new cookie, re-signs and re-sends the session cookie on every answer, which a
# real browser would do once.
USER_AGENT = "Mozilla/5.0 (Linux; Android 10; bench) Chrome/120 Mobile"


def session_cookie(base: str, email: str) -> str:
    """The `Cookie` header of a browser that signed in through the login form (with `USER_AGENT`)."""
    browser = requests.Session()
    browser.headers["User-Agent"] = USER_AGENT
    form = browser.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    answer = browser.post(
        f"{base}/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token}, allow_redirects=False
    )
    if answer.status_code != 302:
        raise RuntimeError(f"{email} could not sign in: {answer.status_code}")
    return "; ".join(f"{name}={value}" for name, value in browser.cookies.items())


def statements_per_page(site: Site, paths: dict[str, list[str]]) -> dict[str, int]:
    """SQL statements of each signed-in page, counted in-process on the same database (second load)."""
    from tests.conftest import OcopClient

    app = site.app()
    app.test_client_class = OcopClient
    counts = {}
    for email, urls in paths.items():
        client = app.test_client()
        client.form_post("/login", {"email": email, "password": DEMO_PASSWORD})
        for url in urls:
            client.get(url)
            with app.app_context(), counted_statements() as statements:
                client.get(url)
            counts[url] = len(statements)
    return counts


def _interleaved(hello: str, url: str, headers: dict[str, str]) -> tuple[float, float]:
    """The page's requests/s and hello-world's, measured turn about (hello, page, … hello: `ROUNDS` pages): the shared
    machine's speed drifts by minutes, so each page gets a baseline from the same seconds."""
    wrk_rps(url, seconds=1, headers=headers)
    hellos, pages = [wrk_rps(hello, seconds=ROUND_SECONDS)], []
    for _round in range(ROUNDS):
        pages.append(wrk_rps(url, seconds=ROUND_SECONDS, headers=headers))
        hellos.append(wrk_rps(hello, seconds=ROUND_SECONDS))
    return statistics.mean(pages), statistics.mean(hellos)


def run(baseline_rps: float) -> list[BenchRow]:
    rows = []
    with (
        served_site("sqlite", SESSION_COOKIE_SECURE="0", PAGE_CACHE_SECONDS="0") as site,
        gunicorn_server("tests.perf.hello:app") as hello,
    ):
        pages = [(email, name, path or f"/p/{site.slugs[0]}", target) for email, name, path, target in PAGES]
        cookies = {email: session_cookie(site.url, email) for email, *_rest in pages}
        by_user: dict[str, list[str]] = {}
        for email, _name, path, _target in pages:
            by_user.setdefault(email, []).append(path)
        counts = statements_per_page(site, by_user)
        for email, name, path, target in pages:
            headers = {"Cookie": cookies[email], "Accept-Encoding": "br, gzip", "User-Agent": USER_AGENT}
            rps, hello_rps = _interleaved(hello + "/", site.url + path, headers)
            note = (
                f"SQLite, signed in as {email.split('@')[0]}, {counts[path]} SQL statements; "
                f"hello-world {hello_rps:,.0f} req/s in the same seconds"
            )
            rows.append(BenchRow(f"signed in: {name}", rps, "req/s", target, rps / hello_rps, note))
        rows += [
            BenchRow(f"SQL statements: {name}", counts[path], "statements", "no N+1", note=email.split("@")[0])
            for email, name, path, _target in pages
        ]
    return rows


if __name__ == "__main__":
    from tests.perf.harness import baseline_rps

    base_rps = baseline_rps()
    print(f"hello-world: {base_rps:,.0f} req/s")
    for row in run(base_rps):
        print(f"{row.name}: {row.value:,.0f} {row.unit} ratio {row.ratio or 0:.3f} — {row.note}")
