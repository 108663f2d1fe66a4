"""The hash chain of a batch's events: canonical JSON of an event's content, SHA-256, and its verification.

Pure functions (no database): the content of an event is a plain dict, so the same code hashes an event being
appended and re-hashes a stored row when the chain is checked. The canonical form is JSON with sorted keys, no
spaces, UTF-8 (NFC text as stored), times in UTC to the second, coordinates as fixed 6-decimal strings, so the
value read back from SQLite or PostgreSQL hashes exactly as the value written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marketplace.text import as_utc

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


@dataclass(frozen=True)
class ChainStatus:
    """The outcome of re-computing a batch's chain: valid, or the first event that does not match."""

    valid: bool
    checked: int
    broken_event_id: int | None = None
    broken_seq: int | None = None
    reason: str = ""


def verify(events: Iterable[Any], batch_code: str) -> ChainStatus:
    """Walk the events in `seq` order: each must follow the previous one's hash and hash to its stored value."""
    previous = ""
    checked = 0
    for expected_seq, event in enumerate(events, start=1):
        checked += 1
        if event.seq != expected_seq:
            return ChainStatus(False, checked, event.id, event.seq, "missing_event")
        if (event.prev_hash or "") != previous:
            return ChainStatus(False, checked, event.id, event.seq, "prev_hash_mismatch")
        if content_hash(event_content(event, batch_code)) != event.hash:
            return ChainStatus(False, checked, event.id, event.seq, "hash_mismatch")
        previous = event.hash
    return ChainStatus(True, checked)
