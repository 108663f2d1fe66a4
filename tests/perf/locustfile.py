"""Mixed traffic for `locust --headless`: 80 % browsing (home, product pages, categories), 15 % search (without
accents, with typos), 5 % checkout (API, bearer token, cash on delivery). The runner (bench_load.py) passes the
seeded site's product slugs, ids and buyers' tokens in environment variables."""

from __future__ import annotations

import os
import random

from locust import HttpUser, between, task

SLUGS = os.environ.get("OCOP_SLUGS", "").split(",")
PRODUCT_IDS = [int(i) for i in os.environ.get("OCOP_PRODUCT_IDS", "0").split(",")]
SCARCE_ID = int(os.environ.get("OCOP_SCARCE_ID", "0"))
TOKENS = os.environ.get("OCOP_TOKENS", "").split(",")
CATEGORIES = ("thuc-pham", "nong-san-tuoi", "nong-san-so-che", "mat-ong", "che-ca-phe", "thuc-pham-che-bien")
SEARCHES = (
    "nam meo",
    "mat ong",
    "mat ong rung",
    "che shan tuyet",
    "chuoi say",
    "dua chuot",
    "bi ngoi",  # no accents
    "nam meo kho",
    "mat ogn",
    "chuoi vibaa",
    "che shna tuyet",
    "nam mep",  # typos
)
SHIPPING = {"name": "Khách thử tải", "phone": "0912345678", "address": "Số 1 ngõ 2", "commune": 4960}


class Buyer(HttpUser):
    wait_time = between(0.05, 0.3)

    @task(20)
    def home(self) -> None:
        self.client.get("/", name="browse: /")

    @task(40)
    def product_page(self) -> None:
        self.client.get(f"/p/{random.choice(SLUGS)}", name="browse: /p/<slug>")

    @task(20)
    def category(self) -> None:
        self.client.get(f"/c/{random.choice(CATEGORIES)}", name="browse: /c/<category>")

    @task(15)
    def search(self) -> None:
        self.client.get("/search", params={"q": random.choice(SEARCHES)}, name="search: /search?q=")

    @task(5)
    def checkout(self) -> None:
        """Half the checkouts want the scarce product; running out of it is a 409, the expected answer."""
        items = [{"product_id": random.choice(PRODUCT_IDS), "quantity": random.randint(1, 3)}]
        if SCARCE_ID and random.random() < 0.5:
            items.append({"product_id": SCARCE_ID, "quantity": random.randint(1, 2)})
        body = {"items": items, "payment_method": "cod", "shipping": SHIPPING}
        headers = {"Authorization": f"Bearer {random.choice(TOKENS)}"}
        with self.client.post(
            "/api/v1/checkout", json=body, headers=headers, name="checkout: POST /api/v1/checkout", catch_response=True
        ) as response:
            sold_out = response.status_code == 409 and response.json()["error"]["code"] == "insufficient_stock"
            if response.status_code == 201 or sold_out:
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")
