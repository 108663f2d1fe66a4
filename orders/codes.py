"""Order codes: `OC` and six random Crockford base-32 characters, e.g. `OC7K2Q9M` (what buyers type in transfers)."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from marketplace.extensions import db

from .models import Order

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
CODE_PREFIX = "OC"
CODE_LENGTH = 6


def _random_code() -> str:
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_order_codes(count: int) -> list[str]:
    """`count` unused codes, each `OC` and six random Crockford characters, e.g. `OC7K2Q9M` (one query)."""
    while True:
        codes = {_random_code() for _ in range(count)}
        if len(codes) == count and not db.session.scalar(select(Order.id).where(Order.code.in_(codes)).limit(1)):
            return list(codes)


def new_order_code() -> str:
    """One unused order code (about a billion possibilities)."""
    return new_order_codes(1)[0]
