"""First-visit bytes on the wire: the document and what a browser fetches before it can paint — stylesheets,
scripts, the icon and the images not marked `loading="lazy"` — each asked with `Accept-Encoding: br, gzip` as a
browser does, summed as sent (compressed). Home, search and product page of the seeded SQLite site, and a label's
scan page.
"""

from __future__ import annotations

import re
import urllib.request

from tests.perf.harness import BenchRow
from tests.perf.sites import served_site

ACCEPT = {"Accept-Encoding": "br, gzip", "Accept": "text/html"}
SUBRESOURCE = re.compile(
    rb'<link[^>]+rel="(?:stylesheet|icon)"[^>]+href="([^"]+)"|<script[^>]+src="([^"]+)"|<img(?![^>]*loading="lazy")[^>]+src="([^"]+)"'
)
PAGE_TARGET = 30 * 1024
SCAN_TARGET = 8 * 1024


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, headers=ACCEPT)) as answer:
        return answer.read()


def _decoded(url: str) -> bytes:
    with urllib.request.urlopen(url) as answer:
        return answer.read()


def first_visit_bytes(base: str, path: str) -> tuple[int, int]:
    """(bytes sent compressed, number of files) for the document at `path` and its render-time subresources."""
    total = len(_fetch(base + path))
    links = {next(g for g in match if g).decode() for match in SUBRESOURCE.findall(_decoded(base + path))}
    for link in links:
        total += len(_fetch(link if link.startswith("http") else base + link))
    return total, 1 + len(links)


def _scan_path(site) -> str:
    """A label of the demo batch (the seed prints labels for it)."""
    from sqlalchemy import select

    from marketplace.extensions import db
    from traceability.models import Label

    with site.app().app_context():
        serial = db.session.scalar(select(Label.serial).order_by(Label.id).limit(1))
        db.engine.dispose()
    return f"/t/{serial}"


def run(_baseline_rps: float) -> list[BenchRow]:
    rows = []
    with served_site("sqlite") as site:
        pages = [
            ("home /", "/", PAGE_TARGET),
            ("search /search?q=nam+meo", "/search?q=nam+meo", PAGE_TARGET),
            ("product /p/<slug>", f"/p/{site.slugs[0]}", PAGE_TARGET),
            ("scan /t/<serial>", _scan_path(site), SCAN_TARGET),
        ]
        for name, path, target in pages:
            size, files = first_visit_bytes(site.url, path)
            rows.append(
                BenchRow(
                    f"first-visit bytes: {name}",
                    size,
                    "bytes",
                    f"≤ {target:,}",
                    note=f"{files} files, brotli/gzip as sent; lazy images left out",
                )
            )
    return rows


if __name__ == "__main__":
    for row in run(0):
        print(f"{row.name}: {row.value:,.0f} {row.unit} — {row.note}")
