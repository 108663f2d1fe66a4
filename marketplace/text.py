"""Vietnamese text, money and time helpers shared by every package (pure functions, no I/O), and the one
cleaner of typed text (`clean_text`) and of spreadsheet cells (`spreadsheet_safe`)."""

from __future__ import annotations

import enum
import html
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import nh3
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NBSP = "\u00a0"
_SLUG_STRIP = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")


def nfc(value: str | None) -> str | None:
    """Normalise text to NFC and trim it; None stays None."""
    if value is None:
        return None
    return unicodedata.normalize("NFC", value).strip()


_CLEAN_ROUNDS = 10


def clean_text(value: str | None) -> str | None:
    """What a user typed, safe to store as plain text: NFC and trimmed, HTML entities decoded (until nothing
    changes) before every tag is stripped, so `&lt;img onerror=…&gt;` cannot come back as a tag. None stays None."""
    text = nfc(value)
    if not text:
        return text
    for _round in range(_CLEAN_ROUNDS):
        cleaned = html.unescape(nh3.clean(html.unescape(text), tags=set())).replace("\x00", "")
        if cleaned == text:
            return text.strip()
        text = cleaned
    return re.sub(r"[<>]", "", text).strip()  # nesting deeper than any sane input: drop angle brackets


def fold(value: str) -> str:
    """Fold Vietnamese for search: đ→d, strip diacritics, lower-case, single spaces."""
    value = value.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.lower()).strip()


def slugify(value: str) -> str:
    """`Mật ong bạc hà Mèo Vạc` → `mat-ong-bac-ha-meo-vac`."""
    return _SLUG_STRIP.sub("-", fold(value)).strip("-")


def ascii_upper(value: str) -> str:
    """Accent-free upper-case ASCII for bank transfer content."""
    return re.sub(r"[^A-Z0-9 ]", "", fold(value).upper())


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A cell Excel or LibreOffice never runs: text that would start a formula gets a leading quote (OWASP)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_row(values: Iterable[Any]) -> list[Any]:
    """Every value of a spreadsheet or CSV row through spreadsheet_safe; numbers and dates stay as they are."""
    return [spreadsheet_safe(value) for value in values]


def format_vnd(amount: int | None) -> str:
    """125000 → '125.000 ₫' (dot thousands, no-break space before ₫)."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(int(amount)):,}".replace(",", ".") + f"{NBSP}₫"


def utcnow() -> datetime:
    return datetime.now(UTC)


def today_vn() -> date:
    """Today's date in Việt Nam, whatever zone the server's clock is set to."""
    return utcnow().astimezone(VN_TZ).date()


def as_utc(moment: datetime) -> datetime:
    """Treat naive datetimes (SQLite returns them) as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(VN_TZ)


def format_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy, in Vietnam time for datetimes."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    """HH:MM dd/mm/yyyy in Asia/Ho_Chi_Minh."""
    if value is None:
        return ""
    return to_local(value).strftime("%H:%M %d/%m/%Y")


_MOBILE = re.compile(r"^(?:\+?84|0)([0-9]{9})$")
KNOWN_MOBILE_PREFIXES = ("3", "5", "7", "8", "9")


def normalise_phone(value: str) -> str | None:
    """Return a Vietnamese mobile number as 0xxxxxxxxx, or None when it is not one."""
    digits = re.sub(r"[\s.\-()]", "", unicodedata.normalize("NFKC", value or ""))
    match = _MOBILE.match(digits)
    if not match:
        return None
    return "0" + match.group(1)


class PhoneProblem(enum.StrEnum):
    """Why a typed number is no Vietnamese mobile (the caller words the message)."""

    INVALID = "invalid"  # not a phone number at all, or too short/long
    LANDLINE = "landline"  # a Vietnamese fixed line (`024 3825 1234`)
    FOREIGN = "foreign"  # a valid number of another country


_MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def classify_phone(value: str | None) -> tuple[str | None, PhoneProblem | None]:
    """A typed phone as (E.164 of a Vietnamese mobile, None) or (None, why not), parsed with `phonenumbers`.

    `0912 345 678`, `+84912345678`, `84912345678`, `(+84) 912.345.678` and full-width digits (NFKC) are one number.
    """
    typed = unicodedata.normalize("NFKC", value or "").strip()
    digits = re.sub(r"[\s.\-()]", "", typed)
    if re.fullmatch(r"84[0-9]{9,10}", digits):  # `84912345678` typed without its plus
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, "VN")
    except NumberParseException:
        return None, PhoneProblem.INVALID
    if not phonenumbers.is_valid_number(number):
        national = normalise_phone(typed)  # a new mobile range the metadata does not list yet
        if national is not None and number.country_code == 84 and phone_has_known_prefix(national):
            return "+84" + national[1:], None
        return None, PhoneProblem.INVALID
    if number.country_code != 84:
        return None, PhoneProblem.FOREIGN
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return None, PhoneProblem.LANDLINE
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def normalise_phone_e164(value: str) -> str | None:
    """An account's phone as its one E.164 spelling (`+84912345678`), or None when it is not a Vietnamese mobile.

    Every common way of typing the number maps here: `0912 345 678`, `84912345678`, `+84 912-345-678`, full-width
    digits `０９１２…` (NFKC). Accounts store this form so look-alike spellings can never make a second account;
    shipping and cooperative contact phones keep the national form of `normalise_phone`. Landlines and foreign
    numbers are refused (`classify_phone` tells which).
    """
    return classify_phone(value)[0]


def display_phone(value: str | None) -> str:
    """A phone as people read it in Vietnam (`0912 345 678`), from E.164 or national form; other text unchanged."""
    national = normalise_phone(value or "")
    if national is None:
        return value or ""
    return f"{national[:4]} {national[4:7]} {national[7:]}"


def phone_has_known_prefix(phone: str) -> bool:
    return len(phone) == 10 and phone[1] in KNOWN_MOBILE_PREFIXES


_VI_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_VI_RANK = {ch: i for i, ch in enumerate(_VI_ALPHABET)}
_VOWEL_SHAPES = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def vietnamese_sort_key(value: str) -> tuple[tuple[int, str], ...]:
    """Sort key that puts Ă/Â after A, Đ after D, Ư after U, then orders by tone."""
    key = []
    for ch in value.lower():
        parts = unicodedata.normalize("NFD", ch)
        letter = unicodedata.normalize("NFC", parts[0] + "".join(c for c in parts[1:] if c in _VOWEL_SHAPES))
        tone = "".join(c for c in parts[1:] if c not in _VOWEL_SHAPES)
        key.append((_VI_RANK.get(letter, 100 + ord(letter[0])), tone))
    return tuple(key)
