"""Daily chain heads: one keyed value per cooperative and day that pins every batch chain it has, published.

The head of cooperative C for day D (a date in Vietnam time) is the HMAC (TRACE_CHAIN_KEY) over the canonical JSON of
C's id, D, the previous published head of C, the number of events recorded on D, and — for each of C's batches that
had an event by the end of D, in batch-code order — the batch code and the hash of its last event at that moment.
Heads are computed once, shortly after midnight (Celery beat, `traceability.publish_chain_heads`) or by
`ocop trace heads`, stored append-only in `chain_heads` and served at `/t/heads/<cooperative-slug>.json`, where
anyone can copy them. Later, a recomputed head that differs from the stored (or a copied) one means the events
of that day or before were changed, removed or rewritten; `ocop trace verify` reports it. A stored head is never
overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Cooperative, CooperativeStatus
from marketplace.text import VN_TZ, as_utc, today_vn

from . import chain
from .models import Batch, ChainHead, TraceEvent
from .services import chain_key

RECENT_DAYS = 90


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a Vietnam calendar day as UTC instants."""
    start = datetime.combine(day, time.min, VN_TZ).astimezone(UTC)
    return start, datetime.combine(day + timedelta(days=1), time.min, VN_TZ).astimezone(UTC)


@dataclass(frozen=True)
class HeadValue:
    head: str
    prev_head: str
    event_count: int
    batches: tuple[tuple[str, str], ...]


def head_content(
    cooperative_id: int, day: date, prev_head: str, batches: Iterable[tuple[str, str]], event_count: int
) -> dict:
    return {
        "cooperative_id": cooperative_id,
        "day": day.isoformat(),
        "prev_head": prev_head,
        "event_count": event_count,
        "batches": [[code, last_hash] for code, last_hash in batches],
    }


def compute_head(cooperative_id: int, day: date, prev_head: str) -> HeadValue | None:
    """The head of the cooperative's chains at the end of `day`; None when it had no event by then."""
    start, end = day_bounds(day)
    rows = db.session.execute(
        select(Batch.code, TraceEvent.hash, TraceEvent.recorded_at)
        .join(TraceEvent, TraceEvent.batch_id == Batch.id)
        .where(Batch.cooperative_id == cooperative_id, TraceEvent.recorded_at < end)
        .order_by(Batch.code, TraceEvent.seq)
    ).all()
    if not rows:
        return None
    last: dict[str, str] = {}
    count = 0
    for code, event_hash, recorded_at in rows:
        last[code] = event_hash
        count += as_utc(recorded_at) >= start
    batches = tuple(sorted(last.items()))
    head = chain.keyed_hash(chain_key(), head_content(cooperative_id, day, prev_head, batches, count))
    return HeadValue(head, prev_head, count, batches)


def _previous(cooperative_id: int, day: date) -> ChainHead | None:
    return db.session.scalar(
        select(ChainHead)
        .where(ChainHead.cooperative_id == cooperative_id, ChainHead.day < day)
        .order_by(ChainHead.day.desc())
        .limit(1)
    )


@dataclass
class HeadReport:
    """What a publishing or verifying run found: new heads, unchanged ones, and heads that no longer match."""

    published: list[tuple[str, date, str]] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[tuple[str, date]] = field(default_factory=list)  # a later day is already published
    mismatched: list[tuple[str, date, str]] = field(default_factory=list)  # (slug, day, reason)

    @property
    def ok(self) -> bool:
        return not self.mismatched


def _check(row: ChainHead, slug: str, report: HeadReport) -> None:
    """Recompute a stored head from today's data: the same value, or a tampering report (never overwritten)."""
    previous = _previous(row.cooperative_id, row.day)
    expected_prev = previous.head if previous else ""
    if row.prev_head != expected_prev:
        report.mismatched.append((slug, row.day, "prev_head"))
        return
    value = compute_head(row.cooperative_id, row.day, row.prev_head)
    if value is None or value.head != row.head or value.event_count != row.event_count:
        report.mismatched.append((slug, row.day, "head"))
    else:
        report.unchanged += 1


def _cooperatives_with_events(day: date) -> list[Cooperative]:
    _start, end = day_bounds(day)
    having = select(Batch.cooperative_id).join(TraceEvent, TraceEvent.batch_id == Batch.id)
    having = having.where(TraceEvent.recorded_at < end).distinct()
    return list(db.session.scalars(select(Cooperative).where(Cooperative.id.in_(having)).order_by(Cooperative.id)))


def publish_heads(day: date) -> HeadReport:
    """Store the head of `day` for every cooperative that has events by then (flushes; the caller commits).

    A day already published is recomputed and compared instead: a different value is reported, never stored.
    Only a finished day can be published (today's events are still coming).
    """
    if day >= today_vn():
        raise ValueError("only a finished day (before today in Vietnam) can be published")
    report = HeadReport()
    for cooperative in _cooperatives_with_events(day):
        existing = db.session.scalar(
            select(ChainHead).where(ChainHead.cooperative_id == cooperative.id, ChainHead.day == day)
        )
        if existing is not None:
            _check(existing, cooperative.slug, report)
            continue
        later = select(ChainHead.id).where(ChainHead.cooperative_id == cooperative.id, ChainHead.day > day)
        if db.session.scalar(later.limit(1)) is not None:
            report.skipped.append((cooperative.slug, day))  # heads chain forward only: no gap filled afterwards
            continue
        previous = _previous(cooperative.id, day)
        value = compute_head(cooperative.id, day, previous.head if previous else "")
        if value is None:
            continue
        db.session.add(
            ChainHead(
                cooperative_id=cooperative.id,
                day=day,
                head=value.head,
                prev_head=value.prev_head,
                event_count=value.event_count,
            )
        )
        db.session.flush()
        report.published.append((cooperative.slug, day, value.head))
    return report


def verify_heads(cooperative_id: int | None = None) -> HeadReport:
    """Recompute every stored head (of one cooperative, or all) and compare."""
    report = HeadReport()
    query = select(ChainHead, Cooperative.slug).join(Cooperative, Cooperative.id == ChainHead.cooperative_id)
    if cooperative_id is not None:
        query = query.where(ChainHead.cooperative_id == cooperative_id)
    for row, slug in db.session.execute(query.order_by(ChainHead.cooperative_id, ChainHead.day)).all():
        _check(row, slug, report)
    return report


def public_cooperative(slug: str) -> Cooperative | None:
    """A verified cooperative by its slug (the others have no public page, so no public heads either)."""
    return db.session.scalar(
        select(Cooperative).where(Cooperative.slug == slug, Cooperative.status == CooperativeStatus.VERIFIED)
    )


def recent_heads(cooperative_id: int, limit: int = RECENT_DAYS) -> list[ChainHead]:
    return list(
        db.session.scalars(
            select(ChainHead)
            .where(ChainHead.cooperative_id == cooperative_id)
            .order_by(ChainHead.day.desc())
            .limit(limit)
        )
    )


def latest_head(cooperative_id: int) -> ChainHead | None:
    found = recent_heads(cooperative_id, 1)
    return found[0] if found else None


def heads_json(cooperative: Cooperative) -> dict:
    """The public document: `{cooperative, items: [{day, head, prev_head, event_count}]}`, newest day first."""
    return {
        "cooperative": cooperative.slug,
        "name": cooperative.name,
        "algorithm": "HMAC-SHA256",
        "items": [
            {"day": h.day.isoformat(), "head": h.head, "prev_head": h.prev_head, "event_count": h.event_count}
            for h in recent_heads(cooperative.id)
        ],
    }
