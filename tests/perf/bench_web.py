"""Catalogue pages under load: product list (JSON API and home page) and accent-less search, on the seeded
SQLite site, each as a ratio of the hello-world baseline measured in the same run.

Anonymous visitors are served by the page micro-cache (marketplace/pagecache.py, `PAGE_CACHE_SECONDS`), which is
what a cookie-less wrk sees; the same pages are measured again with the cache off, to show what Flask, the
database and Jinja cost for a signed-in visitor or a cache miss.
"""

from __future__ import annotations

from tests.perf.harness import BenchRow, wrk_rps
from tests.perf.sites import served_site

SECONDS = 5
BROWSER = {"Accept-Encoding": "br, gzip"}  # as browsers ask: the page cache keeps the compressed answer
PAGES = (
    ("product list, /api/v1/products", "/api/v1/products", "≥ 0.3"),
    ("product list, home page /", "/", "≥ 0.3"),
    ("search /search?q=nam+meo", "/search?q=nam+meo", "≥ 0.3"),
    ("product page /p/<slug>", None, "≥ 0.5"),
)
MODES = (("10", "anonymous, page micro-cache 10 s", ""), ("0", "rendered every time (cache off)", " (cache off)"))


def run(baseline_rps: float) -> list[BenchRow]:
    rows = []
    for seconds, note, suffix in MODES:
        with served_site("sqlite", PAGE_CACHE_SECONDS=seconds) as site:
            for name, path, target in PAGES:
                url = site.url + (path or f"/p/{site.slugs[0]}")
                wrk_rps(url, seconds=1, headers=BROWSER)  # warm-up: worker start, caches, SQLite pages
                rps = wrk_rps(url, seconds=SECONDS, headers=BROWSER)
                shown_target = target if seconds != "0" else ""
                rows.append(BenchRow(name + suffix, rps, "req/s", shown_target, rps / baseline_rps, f"SQLite, {note}"))
    return rows
