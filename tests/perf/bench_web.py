"""Catalogue pages under load: product list (JSON API and home page) and accent-less search, on the seeded
SQLite site, each as a ratio of the hello-world baseline measured in the same run."""

from __future__ import annotations

from tests.perf.harness import BenchRow, wrk_rps
from tests.perf.sites import served_site

SECONDS = 5
PAGES = (
    ("product list, /api/v1/products", "/api/v1/products", "≥ 0.3"),
    ("product list, home page /", "/", "≥ 0.3"),
    ("search /search?q=nam+meo", "/search?q=nam+meo", "≥ 0.3"),
    ("product page /p/<slug>", None, ""),
)


def run(baseline_rps: float) -> list[BenchRow]:
    rows = []
    with served_site("sqlite") as site:
        for name, path, target in PAGES:
            url = site.url + (path or f"/p/{site.slugs[0]}")
            wrk_rps(url, seconds=1)  # warm-up: worker start, caches, SQLite pages
            rps = wrk_rps(url, seconds=SECONDS)
            rows.append(BenchRow(name, rps, "req/s", target, rps / baseline_rps, "SQLite, gunicorn 2 sync workers"))
    return rows
