"""Facebook and Zalo catalogue feed (CSV, the columns Meta's commerce manager requires), /feeds/facebook.csv."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from marketplace.text import spreadsheet_safe

from ..product_data import ProductFacts
from .base import FEED_DEFAULT_CATEGORY, Capability, feed_price

REQUIRED = ("id", "title", "description", "availability", "condition", "price", "link", "image_link", "brand")
OPTIONAL = ("additional_image_link", "google_product_category", "product_type", "inventory", "gtin", "item_group_id")


class FacebookFeed:
    id = "facebook"
    name = "Facebook / Zalo catalogue"
    capabilities = frozenset({Capability.FEED})
    filename = "facebook.csv"
    content_type = "text/csv; charset=utf-8"
    position = 20
    default_category = FEED_DEFAULT_CATEGORY

    def render(self, items: Iterable[tuple[ProductFacts, str]]) -> bytes:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=[*REQUIRED, *OPTIONAL], lineterminator="\n")
        writer.writeheader()
        for facts, google_category in items:
            row = {
                "id": facts.sku,
                "title": facts.name[:200],
                "description": facts.description[:9999],
                "availability": "in stock" if facts.stock > 0 else "out of stock",
                "condition": "new",
                "price": feed_price(facts.price_vnd),
                "link": facts.link,
                "image_link": facts.image_urls[0],
                "brand": facts.producer[:100],
                "additional_image_link": ",".join(facts.image_urls[1:11]),
                "google_product_category": google_category,
                "product_type": " > ".join(facts.category_path),
                "inventory": facts.stock,
                "gtin": facts.gtin or "",
                "item_group_id": facts.item_group_id or "",
            }
            writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
        return buffer.getvalue().encode("utf-8")


PLUGIN = FacebookFeed()
