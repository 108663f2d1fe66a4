"""Lighthouse 12.2.3 (mobile emulation, the default) against Debian's Chromium: performance and accessibility
scores of the home, search, product and scan pages of the seeded SQLite site, served by gunicorn on loopback.
`make lighthouse` installs the pinned npm package into the git-ignored node_modules/ (this bench does it too).
Each page is loaded a few times before Lighthouse runs, so it measures a warm site, not a worker's first request.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from tests.perf.bench_bytes import _scan_path
from tests.perf.harness import EMBEDDED_CONFIG, ROOT, BenchRow
from tests.perf.sites import served_site

VERSION = "12.2.3"
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
TARGET = "≥ 95"
CATEGORIES = ("performance", "accessibility")
WARM_LOADS = 6


def ensure_lighthouse() -> Path:
    if not LIGHTHOUSE.exists():
        subprocess.run(
            ["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(ROOT), f"lighthouse@{VERSION}"],
            check=True,
            capture_output=True,
        )
    return LIGHTHOUSE


def scores(url: str) -> dict[str, float]:
    """Lighthouse's category scores (0–100) for one page."""
    with tempfile.TemporaryDirectory(prefix="ocop-lighthouse-") as folder:
        report = Path(folder) / "report.json"
        subprocess.run(
            [
                str(ensure_lighthouse()),
                url,
                "--quiet",
                "--output=json",
                f"--output-path={report}",
                f"--only-categories={','.join(CATEGORIES)}",
                "--chrome-flags=--headless=new --no-sandbox",
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "CHROME_PATH": CHROMIUM},
            timeout=240,
        )
        found = json.loads(report.read_text())
    return {name: round((found["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}


def warm(url: str, loads: int = WARM_LOADS) -> None:
    """Load the page a few times first: Lighthouse then measures a running site (templates compiled, both workers'
    page caches filled) rather than each worker's first request, which dominated "server response time" before."""
    for _ in range(loads):
        urllib.request.urlopen(url).read()


def run(_baseline_rps: float) -> list[BenchRow]:
    rows = []
    with served_site("sqlite", config=EMBEDDED_CONFIG) as site:  # a browser with no proxy in front, as `make run`
        pages = [
            ("home", "/"),
            ("search", "/search?q=nam+meo"),
            ("product", f"/p/{site.slugs[0]}"),
            ("scan", _scan_path(site)),
        ]
        for name, path in pages:
            warm(site.url + path)
            found = scores(site.url + path)
            for category in CATEGORIES:
                rows.append(
                    BenchRow(
                        f"Lighthouse {category}: {name}", found[category], "score", TARGET, note="mobile, Chromium"
                    )
                )
    return rows


if __name__ == "__main__":
    for row in run(0):
        print(f"{row.name}: {row.value:.0f}")
