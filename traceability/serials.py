"""Label serials: 65 random bits in Crockford base32 (13 symbols) plus Crockford's mod-37 check symbol.

People type serials from a label, so lookups forgive what Crockford forgives: lower case, I/L read as 1,
O read as 0, hyphens and spaces. The check symbol catches a mistyped or swapped character before the
database is asked. Check symbols 32–36 are `*~$=U`; `$`, `*` and `~` travel badly in URLs, so when the
check value is one of those the serial is drawn again (a uniform choice among the 32 safe checks remains).
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
SERIAL_BITS = 65
SERIAL_SYMBOLS = 13
SERIAL_LENGTH = SERIAL_SYMBOLS + 1
_DECODE = {c: i for i, c in enumerate(ALPHABET)} | {"O": 0, "I": 1, "L": 1}
_SYMBOLS = frozenset(_DECODE)
_CANONICAL = frozenset(ALPHABET)
_AS_DIGITS = str.maketrans({c: "0123456789abcdefghijklmnopqrstuv"[i] for c, i in _DECODE.items()})


def encode(value: int, width: int) -> str:
    """`value` as `width` Crockford base32 symbols, most significant first."""
    symbols = []
    for _ in range(width):
        value, digit = divmod(value, 32)
        symbols.append(ALPHABET[digit])
    return "".join(reversed(symbols))


def decode(text: str) -> int:
    """The integer that a string of Crockford symbols stands for (raises ValueError on a foreign symbol)."""
    if not _SYMBOLS.issuperset(text):
        raise ValueError(text)
    return int(text.translate(_AS_DIGITS), 32) if text else 0


def check_symbol(body: str) -> str:
    return CHECK_ALPHABET[decode(body) % 37]


def new_serial() -> str:
    """A fresh random serial whose check symbol is URL-safe (one of the 32 base symbols)."""
    while True:
        body = encode(secrets.randbits(SERIAL_BITS), SERIAL_SYMBOLS)
        check = check_symbol(body)
        if check in ALPHABET:
            return body + check


def normalise(text: str) -> str | None:
    """The canonical serial for what someone typed or scanned, or None when it cannot be one of ours."""
    if len(text) == SERIAL_LENGTH and _CANONICAL.issuperset(text):  # as printed in the QR: nothing to clean
        return text if check_symbol(text[:-1]) == text[-1] else None
    cleaned = "".join(text.split()).replace("-", "").upper()
    if len(cleaned) != SERIAL_LENGTH:
        return None
    body, check = cleaned[:-1], cleaned[-1]
    try:
        canonical = encode(decode(body), SERIAL_SYMBOLS)
    except ValueError:
        return None
    check = {"O": "0", "I": "1", "L": "1"}.get(check, check)
    if check_symbol(canonical) != check:
        return None
    return canonical + check


def grouped(serial: str) -> str:
    """The serial as printed under the QR for typing: `7K2Q-9MXA-B3D4-EF`."""
    return "-".join(serial[i : i + 4] for i in range(0, len(serial), 4))
