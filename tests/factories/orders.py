"""Order factories: buyers in bulk, a checkout through the service, a SePay-style notification."""

from __future__ import annotations

import enum
import itertools
import secrets

from marketplace.extensions import db
from marketplace.models import Role, User
from marketplace.services import issue_api_token
from orders.checkout import Shipping, place_checkout
from orders.models import Checkout
from tests.factories import LIEN_SON, make_user

_seq = itertools.count(1)


class PaymentMethod(enum.StrEnum):
    """Gateway ids the tests use (the app knows its gateways from the registry in orders/payments/)."""

    VIETQR = "vietqr"
    STRIPE = "stripe"
    COD = "cod"
    MOMO = "momo"


SHIPPING = {
    "name": "Trần Minh Anh",
    "phone": "0912 345 678",
    "address": "Số 12 ngõ 34 phố Chùa Láng",
    "province": None,
    "commune": LIEN_SON,
}


def make_buyers(count: int) -> list[User]:
    """`count` buyers sharing one password hash (hashing 50 passwords would only slow tests down)."""
    first = make_user(Role.BUYER)
    buyers = [first]
    for _ in range(count - 1):
        n = next(_seq)
        user = User(
            email=f"khach{n}-{secrets.token_hex(3)}@example.vn", password_hash=first.password_hash, role=Role.BUYER
        )
        db.session.add(user)
        buyers.append(user)
    db.session.flush()
    return buyers


def bearer(user: User) -> dict[str, str]:
    """An API Authorization header for `user` (token issued directly, no password round-trip)."""
    return {"Authorization": f"Bearer {issue_api_token(user)}"}


def _checkout_row(item: int | tuple[int, int], quantity: int) -> tuple[int, int, int | None]:
    """(product id, quantity, variant id or None) as the checkout takes it."""
    product_id, variant_id = item if isinstance(item, tuple) else (item, None)
    return product_id, quantity, variant_id


def make_checkout(
    buyer: User, items: dict[int | tuple[int, int], int], method: str = "vietqr", key: str | None = None
) -> Checkout:
    """`items` maps a product id, or a (product id, variant id) pair, to a quantity."""
    shipping = Shipping("Trần Minh Anh", "0912345678", "Số 12 ngõ 34", LIEN_SON)
    rows = [_checkout_row(item, qty) for item, qty in items.items()]
    checkout, _created = place_checkout(buyer, rows, method, shipping, key or secrets.token_hex(8))
    db.session.flush()
    return checkout


def checkout_body(items: dict[int, int], method: str = "vietqr", **shipping) -> dict:
    return {
        "items": [{"product_id": pid, "quantity": qty} for pid, qty in items.items()],
        "payment_method": method,
        "shipping": {**SHIPPING, **shipping},
    }


def bank_notification(content: str, amount: int, account_no: str, transaction_id: int | None = None, **extra) -> dict:
    return {
        "id": transaction_id or next(_seq) + 900000,
        "gateway": "Agribank",
        "transactionDate": "2026-03-25 14:02:37",
        "accountNumber": account_no,
        "code": None,
        "content": content,
        "transferType": "in",
        "transferAmount": amount,
        "accumulated": 19077000,
        "subAccount": None,
        "referenceCode": "MBVCB.3278907687",
        "description": content,
        **extra,
    }
