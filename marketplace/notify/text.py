"""Short texts for phones: within one SMS (160 GSM-7 characters), without Vietnamese marks where a provider needs
ASCII, the link kept whole at the end."""

from __future__ import annotations

import re
import unicodedata

SMS_LIMIT = 160  # one GSM-7 SMS; a Unicode SMS holds 70
UNICODE_SMS_LIMIT = 70


def strip_marks(text: str) -> str:
    """`Đơn mới ĐH-1: 100.000 ₫` → `Don moi DH-1: 100.000 d`: marketplace.text.fold's rule with the case kept;
    whatever is still outside ASCII is dropped."""
    text = text.replace("đ", "d").replace("Đ", "D").replace("₫", "d").replace("…", "...")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped.encode("ascii", "ignore").decode()).strip()


def phone_text(text: str, link: str | None, *, ascii_only: bool = True) -> str:
    """One SMS: the text shortened with `...` so that ` <link>` still fits whole."""
    body = strip_marks(text) if ascii_only else text
    limit = SMS_LIMIT if ascii_only else UNICODE_SMS_LIMIT * 2
    tail = f" {link}" if link else ""
    room = limit - len(tail)
    if len(body) > room:
        body = body[: max(room - 3, 0)].rstrip() + "..."
    return body + tail
