"""Google Merchant Center product feed: RSS 2.0 with the g: namespace, fetched from /feeds/google.xml."""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree import ElementTree as ET

from flask import current_app

from ..product_data import ProductFacts
from .base import FEED_DEFAULT_CATEGORY, Capability, feed_price

G = "http://base.google.com/ns/1.0"
ET.register_namespace("g", G)


class GoogleFeed:
    id = "google"
    name = "Google Merchant Center"
    capabilities = frozenset({Capability.FEED})
    filename = "google.xml"
    content_type = "application/rss+xml; charset=utf-8"
    position = 10
    default_category = FEED_DEFAULT_CATEGORY

    def render(self, items: Iterable[tuple[ProductFacts, str]]) -> bytes:
        rss = ET.Element("rss", {"version": "2.0"})
        channel = ET.SubElement(rss, "channel")
        base = current_app.config["PUBLIC_BASE_URL"]
        ET.SubElement(channel, "title").text = "Chợ OCOP"
        ET.SubElement(channel, "link").text = base + "/"
        ET.SubElement(channel, "description").text = "Sản phẩm OCOP và nông sản của hợp tác xã"
        for facts, google_category in items:
            channel.append(self._item(facts, google_category))
        ET.indent(rss)
        return ET.tostring(rss, encoding="utf-8", xml_declaration=True)

    @staticmethod
    def _item(facts: ProductFacts, google_category: str) -> ET.Element:
        item = ET.Element("item")

        def g(tag: str, value: object) -> None:
            ET.SubElement(item, f"{{{G}}}{tag}").text = str(value)

        g("id", facts.sku)
        if facts.item_group_id:
            g("item_group_id", facts.item_group_id)
        g("title", facts.name[:150])
        g("description", facts.description[:5000])
        g("link", facts.link)
        g("image_link", facts.image_urls[0])
        for extra in facts.image_urls[1:11]:
            g("additional_image_link", extra)
        g("availability", "in_stock" if facts.stock > 0 else "out_of_stock")
        g("price", feed_price(facts.price_vnd))
        g("condition", "new")
        g("brand", facts.producer[:70])
        if facts.gtin:
            g("gtin", facts.gtin)
        else:
            g("mpn", facts.sku)
            g("identifier_exists", "no")
        g("google_product_category", google_category)
        if facts.category_path:
            g("product_type", " > ".join(facts.category_path))
        g("shipping_weight", f"{facts.packed_weight_g} g")
        return item


PLUGIN = GoogleFeed()
