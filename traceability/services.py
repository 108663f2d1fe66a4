"""Every traceability rule and state change: batches, the append-only event chain, photos, reports.

Services flush; the view, API or task commits. Appending an event locks the batch row (PostgreSQL
`SELECT … FOR UPDATE`; SQLite writers already queue on `BEGIN IMMEDIATE`), reads the last event, and
inserts the next `seq` with the HMAC (TRACE_CHAIN_KEY) of its canonical JSON, which includes the previous hash, the
batch's own fields and the digests of the batch's photos and of the event's own photos (stored before the event
is hashed, so they are part of it). The unique `(batch_id, seq)` constraint is the last guard against two appends
racing. A batch's fields are fixed once it exists (there is no edit); a batch's own photos can only be added before
its first event, an event's photos only with the event.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from catalog.models import Product
from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Commune, User
from marketplace.permissions import ensure_member_of
from marketplace.services import notify_cooperative, record_audit
from marketplace.text import clean_text, utcnow

from . import chain, photos
from .models import Batch, CounterfeitReport, Label, TraceEvent, TracePhoto
from .serials import ALPHABET, normalise
from .validation import parse_batch, parse_event

BATCH_CODE_SYMBOLS = 8


def new_batch_code() -> str:
    """A random public batch code like `L7K2Q9MXA` (40 random bits), never a database id."""
    while True:
        code = "L" + "".join(secrets.choice(ALPHABET) for _ in range(BATCH_CODE_SYMBOLS))
        if db.session.scalar(select(Batch.id).where(Batch.code == code)) is None:
            return code


def _token(raw: str | None) -> str | None:
    return (raw or "").strip()[:64] or None


def _product_for(actor: User, product_id: Any) -> Product:
    if isinstance(product_id, bool) or not isinstance(product_id, int | str) or not str(product_id).isdigit():
        raise ValidationFailed(_("Hãy chọn sản phẩm."), fields={"product_id": _("Hãy chọn sản phẩm.")})
    number = int(product_id)
    product = db.session.get(Product, number) if number < 2**31 else None
    if product is None:
        raise NotFound(_("Không tìm thấy sản phẩm."))
    ensure_member_of(actor, product.cooperative_id)
    return product


def batch_for_token(actor: User, client_token: str | None) -> Batch | None:
    """The batch an earlier submit with this token made (another cooperative's token is a conflict)."""
    token = _token(client_token)
    if token is None:
        return None
    batch = db.session.scalar(select(Batch).where(Batch.client_token == token))
    if batch is not None and actor.cooperative_id != batch.cooperative_id and not actor.is_admin:
        raise Conflict(_("Mã gửi biểu mẫu đã được dùng."), code="token_reused")
    return batch


def create_batch(actor: User, data: dict, client_token: str | None = None) -> Batch:
    """A new lot of one of the actor's cooperative's products; a repeated submit returns the first batch."""
    product = _product_for(actor, data.get("product_id"))
    existing = batch_for_token(actor, client_token)
    if existing is not None:
        return existing
    fields = parse_batch(data, product.unit, product.shelf_life_days)
    taken = select(Batch.id).where(Batch.product_id == product.id, Batch.lot == fields["lot"])
    if db.session.scalar(taken) is not None:
        raise Conflict(_("Sản phẩm này đã có lô số %(lot)s.", lot=fields["lot"]), code="duplicate_lot")
    batch = Batch(
        code=new_batch_code(),
        product_id=product.id,
        cooperative_id=product.cooperative_id,
        client_token=_token(client_token),
        created_by_id=actor.id,
        **fields,
    )
    try:
        with db.session.begin_nested():
            db.session.add(batch)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("Sản phẩm này đã có lô số %(lot)s.", lot=fields["lot"]), code="duplicate_lot") from None
    record_audit(actor, "batch.created", "batch", batch.code, commune_code=batch.cooperative.commune_code)
    return batch


def events_of(batch: Batch) -> list[TraceEvent]:
    """The batch's events as stored now, in chain order (fresh from the database, not from the session)."""
    return list(
        db.session.scalars(
            select(TraceEvent)
            .where(TraceEvent.batch_id == batch.id)
            .order_by(TraceEvent.seq)
            .execution_options(populate_existing=True)
        )
    )


def event_for_token(batch: Batch, client_token: str | None) -> TraceEvent | None:
    token = _token(client_token)
    if token is None:
        return None
    event = db.session.scalar(select(TraceEvent).where(TraceEvent.client_token == token))
    if event is not None and event.batch_id != batch.id:
        raise Conflict(_("Mã gửi biểu mẫu đã được dùng."), code="token_reused")
    return event


def _check_references(batch: Batch, fields: dict) -> None:
    commune = fields.pop("commune_code")
    if commune is not None and db.session.get(Commune, commune) is None:
        raise ValidationFailed(_("Không có xã này."), fields={"commune": _("Không có xã này.")})
    fields["commune_code"] = commune or batch.cooperative.commune_code
    corrects = fields.pop("corrects")
    if corrects is not None:
        target = db.session.get(TraceEvent, corrects)
        if target is None or target.batch_id != batch.id:
            message = _("Sự kiện cần sửa không thuộc lô này.")
            raise ValidationFailed(message, fields={"corrects": message})
    fields["corrects_event_id"] = corrects


def _lock_batch(batch: Batch) -> tuple[int, str]:
    """Lock the batch row and return (next seq, hash of the last event)."""
    db.session.execute(select(Batch.id).where(Batch.id == batch.id).with_for_update())
    last = db.session.execute(
        select(TraceEvent.seq, TraceEvent.hash)
        .where(TraceEvent.batch_id == batch.id)
        .order_by(TraceEvent.seq.desc())
        .limit(1)
    ).first()
    return (last.seq + 1, last.hash) if last else (1, "")


def chain_key() -> bytes:
    """The HMAC key of the hash chain (TRACE_CHAIN_KEY, kept apart from SECRET_KEY and from the database)."""
    return current_app.config["TRACE_CHAIN_KEY"].encode()


def _fresh_batch(batch: Batch) -> Batch:
    """The batch's row as stored now (a change made behind the application shows)."""
    return db.session.scalar(select(Batch).where(Batch.id == batch.id).execution_options(populate_existing=True))


def _photos_of(batch: Batch) -> list[TracePhoto]:
    return list(
        db.session.scalars(
            select(TracePhoto)
            .where(TracePhoto.batch_id == batch.id)
            .order_by(TracePhoto.id)
            .execution_options(populate_existing=True)
        )
    )


def _seal(batch: Batch, photo_rows: list[TracePhoto]) -> chain.Seal:
    """What scheme-2 hashes of this batch cover besides the events: its fields and its photos' stored digests."""
    batch_photos: list[str] = []
    event_photos: dict[int, list[str]] = {}
    for photo in photo_rows:
        if photo.sha256 is None:
            continue  # a photo of a scheme-1 event, never sealed
        if photo.event_id is None:
            batch_photos.append(photo.sha256)
        else:
            event_photos.setdefault(photo.event_id, []).append(photo.sha256)
    return chain.Seal(chain_key(), chain.batch_content(batch), batch_photos, event_photos)


def seal_event(batch: Batch, event: TraceEvent, photo_digests: Sequence[str] = ()) -> None:
    """Give a new event the current scheme and its hash (the batch's own photos are sealed on first use)."""
    rows = _photos_of(batch)
    for photo in rows:
        if photo.event_id is None and photo.sha256 is None:
            photo.sha256 = photos.digest(batch.id, photo.stem)
    event.hash_scheme = chain.CURRENT_SCHEME
    event.hash = chain.event_hash(event, batch.code, _seal(batch, rows), list(photo_digests))


def append_event(
    actor: User, batch: Batch, data: dict, client_token: str | None = None, photo_uploads: Sequence[bytes] = ()
) -> TraceEvent:
    """Add the next event to the batch's chain (never changes an earlier one); repeats with a token are no-ops.

    The event's photos (at most 4) are checked and stored first, and their digests are part of the event's hash.
    """
    ensure_member_of(actor, batch.cooperative_id)
    existing = event_for_token(batch, client_token)
    if existing is not None:
        return existing
    fields = parse_event(data)
    _check_references(batch, fields)
    pictures = [photos.clean(upload) for upload in photo_uploads[:4]]  # a bad image refuses the event, not half
    seq, prev_hash = _lock_batch(batch)
    event = TraceEvent(
        batch_id=batch.id,
        seq=seq,
        prev_hash=prev_hash,
        recorded_at=utcnow().replace(microsecond=0),
        actor_id=actor.id,
        actor_name=actor.full_name or "",
        client_token=_token(client_token),
        **fields,
    )
    stored = []
    for picture in pictures:
        stem = photos.store(batch.id, picture)
        stored.append((stem, picture.width, picture.height, photos.digest(batch.id, stem)))
    seal_event(batch, event, [digest for *_rest, digest in stored])
    try:
        with db.session.begin_nested():
            db.session.add(event)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("Lô vừa có sự kiện khác được ghi cùng lúc. Hãy gửi lại."), code="concurrent_append") from None
    for stem, width, height, digest in stored:
        db.session.add(
            TracePhoto(batch_id=batch.id, event_id=event.id, stem=stem, width=width, height=height, sha256=digest)
        )
    db.session.flush()
    record_audit(actor, "batch.event_added", "batch", batch.code, commune_code=batch.cooperative.commune_code, seq=seq)
    return event


def verify_chain(batch: Batch) -> chain.ChainStatus:
    """Recompute every hash of the batch's stored events, with the batch's fields and photos as stored now.

    Detects rows changed behind the application: an event, a batch field, a photo's digest, or a photo file
    replaced on disk (its digest no longer matches the one sealed into the chain).
    """
    fresh = _fresh_batch(batch)
    photo_rows = _photos_of(fresh)
    for photo in photo_rows:
        if photo.sha256 is not None and photo.sha256 != photos.digest(fresh.id, photo.stem):
            return chain.ChainStatus(False, 0, photo.event_id, None, "photo_mismatch")
    return chain.verify(events_of(fresh), fresh.code, _seal(fresh, photo_rows), fresh.legacy_seal)


def add_photo(actor: User, batch: Batch, data: bytes) -> TracePhoto:
    """A photo of the batch itself, through the catalog's pipeline (content checked, re-encoded, metadata gone).

    Only before the batch's first event: from then on the chain seals the batch's photos, and new photos go with
    an event (append_event's `photo_uploads`).
    """
    ensure_member_of(actor, batch.cooperative_id)
    if db.session.scalar(select(TraceEvent.id).where(TraceEvent.batch_id == batch.id).limit(1)) is not None:
        message = _("Lô đã có công đoạn được ghi nên không thêm ảnh lô được nữa. Hãy gửi ảnh kèm một công đoạn mới.")
        raise Conflict(message, code="batch_sealed")
    picture = photos.clean(data)
    stem = photos.store(batch.id, picture)
    photo = TracePhoto(
        batch_id=batch.id,
        event_id=None,
        stem=stem,
        width=picture.width,
        height=picture.height,
        sha256=photos.digest(batch.id, stem),
    )
    db.session.add(photo)
    db.session.flush()
    return photo


def find_label(text: str) -> Label | None:
    """The label whose short code someone typed (forgiving: case, hyphens, spaces, O/0, I/L/1)."""
    serial = normalise(text or "")
    if serial is None:
        return None
    return db.session.scalar(select(Label).where(Label.serial == serial))


def report_counterfeit(serial_text: str, place: str, message: str, contact: str) -> CounterfeitReport:
    """A consumer's report about a code that is unknown or looks copied; the cooperative is told when known."""
    serial = (clean_text(serial_text) or "")[:40]
    if not serial:
        raise ValidationFailed(_("Hãy nhập mã in trên tem."), fields={"serial": _("Hãy nhập mã in trên tem.")})
    label = find_label(serial)
    report = CounterfeitReport(
        serial=serial,
        label_id=label.id if label else None,
        place=(clean_text(place) or "")[:200],
        message=(clean_text(message) or "")[:2000],
        contact=(clean_text(contact) or "")[:120],
    )
    db.session.add(report)
    db.session.flush()
    if label is not None:
        notify_cooperative(
            label.batch.cooperative_id,
            "counterfeit_report",
            _("Có người báo nghi hàng giả với tem %(serial)s (lô %(lot)s).", serial=label.serial, lot=label.batch.lot),
        )
    return report
