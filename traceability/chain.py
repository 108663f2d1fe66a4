"""The hash chain of a batch's events: canonical JSON of an event's content, its hash, and its verification.

Pure functions (no database): the content of an event is a plain dict, so the same code hashes an event being
appended and re-hashes a stored row when the chain is checked. The canonical form is JSON with sorted keys, no
spaces, UTF-8 (NFC text as stored), times in UTC to the second, coordinates as fixed 6-decimal strings, so the
value read back from SQLite or PostgreSQL hashes exactly as the value written.

Two schemes, named per event by `trace_events.hash_scheme`:

1. (events recorded before migration 0340) SHA-256 of the event's own content and the previous hash. Anyone who
   can write the database can recompute it, so it only shows rows changed by someone who did not bother.
2. HMAC-SHA256 keyed with `TRACE_CHAIN_KEY` (a server secret kept apart from `SECRET_KEY` and from the database)
   over the event's content, the previous hash, the batch's own fields (code, product, cooperative, lot, dates,
   quantity, unit, inputs, certifications, standards) and the SHA-256 digests of the batch's photos and of the
   event's photos. Without the key a full recompute cannot produce matching hashes.

A chain never goes back from scheme 2 to scheme 1: a scheme-1 event after a scheme-2 one is a broken chain. And
scheme-1 events count only when something keyed vouches for them: a later scheme-2 event (its HMAC covers the
previous hash), or the batch's `legacy_seal`, the HMAC over the batch's fields and its last scheme-1 hash written
once by migration 0340 — so rewriting a whole chain as plain SHA-256 (a "downgrade") is detected too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from marketplace.text import as_utc

SCHEME_SHA256 = 1
SCHEME_HMAC = 2
CURRENT_SCHEME = SCHEME_HMAC

HASHED_FIELDS = (
    "batch",
    "seq",
    "stage",
    "occurred_at",
    "recorded_at",
    "place",
    "commune_code",
    "latitude",
    "longitude",
    "actor_id",
    "actor_name",
    "note",
    "input_name",
    "withholding_days",
    "corrects_event_id",
    "prev_hash",
)


def utc_text(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def coordinate_text(value: float | None) -> str | None:
    return None if value is None else f"{value:.6f}"


def event_content(event: Any, batch_code: str) -> dict[str, Any]:
    """The hashed content of an event (a TraceEvent or anything with the same attributes)."""
    return {
        "batch": batch_code,
        "seq": event.seq,
        "stage": str(event.stage),
        "occurred_at": utc_text(event.occurred_at),
        "recorded_at": utc_text(event.recorded_at),
        "place": event.place or "",
        "commune_code": event.commune_code,
        "latitude": coordinate_text(event.latitude),
        "longitude": coordinate_text(event.longitude),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name or "",
        "note": event.note or "",
        "input_name": event.input_name or "",
        "withholding_days": event.withholding_days,
        "corrects_event_id": event.corrects_event_id,
        "prev_hash": event.prev_hash or "",
    }


def canonical_json(content: Mapping[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def content_hash(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def date_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def batch_content(batch: Any) -> dict[str, Any]:
    """The batch's own fields a scheme-2 hash covers (a Batch or anything with the same attributes).

    The product is named by its id, not its GTIN: a GTIN may change through review while labels keep the old one.
    """
    return {
        "code": batch.code,
        "product_id": batch.product_id,
        "cooperative_id": batch.cooperative_id,
        "lot": batch.lot,
        "harvested_on": date_text(batch.harvested_on),
        "expires_on": date_text(batch.expires_on),
        "quantity": batch.quantity,
        "unit": batch.unit or "",
        "inputs": batch.inputs or "",
        "certifications": list(batch.certifications or []),
        "standards": batch.standards or "",
    }


@dataclass(frozen=True)
class Seal:
    """What a scheme-2 hash covers beyond the event itself, and the key it is made with.

    `batch_photos` are the digests of the batch's own photos; `event_photos` maps an event id to its photos'
    digests (each digest names one photo's stored files, see traceability.photos.digest).
    """

    key: bytes
    batch: Mapping[str, Any]
    batch_photos: Sequence[str] = ()
    event_photos: Mapping[int, Sequence[str]] = field(default_factory=dict)


def sealed_content(event: Any, batch_code: str, seal: Seal, photos: Sequence[str] = ()) -> dict[str, Any]:
    """The scheme-2 content of an event: its own content, the batch's fields and the photo digests."""
    return {
        **event_content(event, batch_code),
        "scheme": SCHEME_HMAC,
        "batch_fields": dict(seal.batch),
        "batch_photos": list(seal.batch_photos),
        "photos": list(photos),
    }


def keyed_hash(key: bytes, content: Mapping[str, Any]) -> str:
    if not key:
        raise ValueError("TRACE_CHAIN_KEY is empty")
    return hmac.new(key, canonical_json(content), hashlib.sha256).hexdigest()


def event_hash(event: Any, batch_code: str, seal: Seal | None, photos: Sequence[str] | None = None) -> str | None:
    """The hash the event must carry under its scheme; None for a scheme this code does not know (or no key)."""
    if event.hash_scheme == SCHEME_SHA256:
        return content_hash(event_content(event, batch_code))
    if event.hash_scheme == SCHEME_HMAC and seal is not None:
        if photos is None:
            photos = seal.event_photos.get(event.id, ())
        return keyed_hash(seal.key, sealed_content(event, batch_code, seal, photos))
    return None


def legacy_seal(key: bytes, batch: Mapping[str, Any], last_hash: str) -> str:
    """The keyed seal of a chain written before keyed hashes: its batch's fields and its last (scheme-1) hash."""
    return keyed_hash(key, {"legacy_seal": SCHEME_SHA256, "batch_fields": dict(batch), "last_hash": last_hash})


@dataclass(frozen=True)
class ChainStatus:
    """The outcome of re-computing a batch's chain: valid, or the first event that does not match."""

    valid: bool
    checked: int
    broken_event_id: int | None = None
    broken_seq: int | None = None
    reason: str = ""


def verify(
    events: Iterable[Any], batch_code: str, seal: Seal | None = None, stored_legacy_seal: str | None = None
) -> ChainStatus:
    """Walk the events in `seq` order: each must follow the previous one's hash and hash to its stored value.

    With a seal (the key and what it covers), a chain that ends in scheme-1 events must also carry a valid legacy
    seal; without one (no key at hand) only the arithmetic of scheme-1 events can be checked.
    """
    previous = ""
    scheme = SCHEME_SHA256
    checked = 0
    last = None
    for expected_seq, event in enumerate(events, start=1):
        last = event
        checked += 1
        if event.seq != expected_seq:
            return ChainStatus(False, checked, event.id, event.seq, "missing_event")
        if (event.prev_hash or "") != previous:
            return ChainStatus(False, checked, event.id, event.seq, "prev_hash_mismatch")
        if event.hash_scheme < scheme:
            return ChainStatus(False, checked, event.id, event.seq, "scheme_downgrade")
        scheme = event.hash_scheme
        expected = event_hash(event, batch_code, seal)
        if expected is None or not hmac.compare_digest(expected, event.hash or ""):
            return ChainStatus(False, checked, event.id, event.seq, "hash_mismatch")
        previous = event.hash
    if last is not None and scheme == SCHEME_SHA256 and seal is not None:
        expected = legacy_seal(seal.key, seal.batch, previous)
        if not hmac.compare_digest(expected, stored_legacy_seal or ""):
            return ChainStatus(False, checked, last.id, last.seq, "unsealed_legacy")
    return ChainStatus(True, checked)
