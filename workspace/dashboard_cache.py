"""Per-worker cache of the commune dashboard's figures: the charts with their tables, the headline numbers and the
expiring certificates (some twenty aggregate queries, the SVG charts and their HTML: most of the page's work).

Built once per scope, period, day and language and kept as the rendered HTML of that part of the page
(templates/workspace/_dashboard_figures.html, which reads nothing of the user or the request) for
`DASHBOARD_CACHE_SECONDS`. The worker that publishes,
unpublishes or edits a product, moves stock (checkouts, cancellations, expiries), moves an order to another state
(paid, shipped, cancelled…) or changes a seller's status forgets them at once through the domain signals; anything
else (scans, demands), and every change made through another worker, shows within that time. `0`, as in the tests, turns the cache off.
The to-do cards and the applications waiting are not cached: staff act on them and must see the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask, current_app
from flask_babel import get_locale
from markupsafe import Markup

from catalog.signals import product_changed, product_published, product_unpublished, stock_changed
from marketplace.signals import seller_status_changed
from marketplace.ttlcache import TtlCache
from orders.signals import order_moved

from . import figures
from .figure import Figure
from .scope import Period, Scope
from .stats import ExpiringCertificate
from .supply_demand import demand_figures

TEMPLATE = "workspace/_dashboard_figures.html"
cache = TtlCache(64)


@dataclass(frozen=True)
class DashboardFigures:
    """What the dashboard shows below its to-do list, in reading order."""

    figures: tuple[Figure, ...]
    summary: tuple[tuple[str, str, str], ...]
    expiring: tuple[ExpiringCertificate, ...]


def build(scope: Scope, period: Period, today: date) -> DashboardFigures:
    """Every figure, headline number and expiring certificate, each count queried once."""
    counts = figures.catalogue_counts(scope, today)
    return DashboardFigures(
        tuple(figures.dashboard_figures(scope, period, today, counts) + demand_figures(scope)),
        tuple(figures.summary(scope, period, today, counts)),
        tuple(counts.expiring),
    )


def render(scope: Scope, period: Period, today: date) -> Markup:
    """The dashboard's part below its filter, as HTML."""
    shown = build(scope, period, today)
    template = current_app.jinja_env.get_template(TEMPLATE)
    html = template.render(figures=shown.figures, summary=shown.summary, expiring=shown.expiring)
    return Markup(html)  # noqa: S704 — an autoescaped template's output


def figures_html(scope: Scope, period: Period, today: date) -> Markup:
    """The figures' HTML, from this worker's cache while it is younger than `DASHBOARD_CACHE_SECONDS`."""
    ttl = float(current_app.config.get("DASHBOARD_CACHE_SECONDS") or 0)
    if ttl <= 0:
        return render(scope, period, today)
    key = (scope, period, today, str(get_locale()))
    found = cache.get(key, ttl)
    if found is None:
        found = render(scope, period, today)
        cache.put(key, found)
    return found


def forget(_sender: Any = None, **_extra: Any) -> None:
    cache.clear()


def connect(app: Flask) -> None:
    signals = (
        product_changed,
        stock_changed,
        product_published,
        product_unpublished,
        seller_status_changed,
        order_moved,
    )
    for signal in signals:
        signal.connect(forget, sender=app)
