"""The public scan page's hot path: record a scan with a few Core statements, render the rest from a cache.

On PostgreSQL a scan is one `UPDATE labels … RETURNING` (first/last scan times are set, the row is locked, and the
hash of the batch's last event comes back in the same round trip), one `UPDATE labels` that counts the scanning
device if it is new to the label, and one `INSERT … SELECT` into `scans`; on SQLite, which runs one writer at a
time, the first two are one UPDATE. Each scan is written in a transaction (its own, or the write buffer's): no scan
is ever lost, and nothing is read before the first write (so SQLite never has to upgrade a read lock). The count is
of distinct devices, so one phone reloading the page never makes a genuine label look copied. Everything that does
not change per scan — product, cooperative, batch, events, the chain verification — is built once per batch head
(its last event's hash) and locale, kept for `TRACE_SCAN_CACHE_SECONDS`, and shared by every label of the batch;
only the count and the warnings differ.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from limits import RateLimitItemPerMinute
from markupsafe import Markup, escape
from sqlalchemy import (
    DateTime,
    Integer,
    String,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Engine
from werkzeug.http import dump_cookie

from catalog.models import Product
from marketplace.admin.settings import get_int_setting
from marketplace.extensions import db, limiter
from marketplace.ops.metrics import count as count_metric
from marketplace.plain_reads import StatementText, statement_text
from marketplace.text import as_utc, format_datetime, utcnow
from marketplace.ttlcache import TtlCache

from .batch_facts import batch_facts, iso
from .models import Batch, Label, LabelRun, Scan, TraceEvent
from .scanwriter import scan_read, scan_transaction
from .serials import grouped

_labels = Label.__table__
_batches = Batch.__table__
_products = Product.__table__
_events = TraceEvent.__table__
_scans = Scan.__table__
_runs = LabelRun.__table__
CACHE_SIZE = 2048


@dataclass(frozen=True)
class ScanHit:
    label_id: int
    batch_id: int
    serial: str
    scan_count: int
    first_scanned_at: datetime | None
    head: str
    has_pin: bool = False

    def counted(self, scan_count: int, first_scanned_at: datetime | None) -> ScanHit:
        """The same label with another count and first scan (as `dataclasses.replace`, at a fifth of its cost)."""
        return ScanHit(self.label_id, self.batch_id, self.serial, scan_count, first_scanned_at, self.head, self.has_pin)


cache = TtlCache(CACHE_SIZE)


def _settings(config: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The app's settings: `config` when the scan fast lane passes its app's (it runs without an app context)."""
    return current_app.config if config is None else config


def _ttl(config: Mapping[str, Any] | None = None) -> float:
    return float(_settings(config).get("TRACE_SCAN_CACHE_SECONDS", 60))


def gtin_forms(gtin: str) -> list[str]:
    """The ways a GTIN-14 may be stored on a product: as given, or without its leading zeros as GTIN-13/12/8."""
    forms = [gtin]
    for length in (13, 12, 8):
        if gtin[: 14 - length].strip("0") == "":
            forms.append(gtin[14 - length :])
    return forms


def _head_hash():
    """The hash of the label's batch's last event. The label's column is spelled out: SQLite's RETURNING renders
    columns unqualified, and an unqualified `batch_id` inside the subquery would be the event's own."""
    return (
        select(_events.c.hash)
        .where(_events.c.batch_id == literal_column(f"{_labels.name}.batch_id", Integer))
        .order_by(_events.c.seq.desc())
        .limit(1)
        .scalar_subquery()
    )


GTIN_SLOTS = 4


PLAIN, BY_GTIN, BY_GTIN_LOT = "", "gtin", "gtin+lot"


def _mode(gtin: str | None, lot: str | None) -> str:
    """Which label filter a request needs: the serial alone, or also the GTIN (and the lot) the URL names."""
    if gtin is None:
        return PLAIN
    return BY_GTIN if lot is None else BY_GTIN_LOT


def _label_filter(mode: str) -> list:
    """The serial, and with a GTIN the label's batch must be of a product carrying it now, or the label's run must
    have been printed with it (so labels printed before a GTIN change keep resolving); with a lot, the batch's."""
    conditions = [_labels.c.serial == bindparam("b_serial")]
    if mode != PLAIN:
        gtins = [bindparam(f"gtin_{i}") for i in range(GTIN_SLOTS)]
        by_product = (
            select(_batches.c.id)
            .join(_products, _products.c.id == _batches.c.product_id)
            .where(_products.c.gtin.in_(gtins))
        )
        by_run = select(_runs.c.id).join(_batches, _batches.c.id == _runs.c.batch_id).where(_runs.c.gtin.in_(gtins))
        if mode == BY_GTIN_LOT:
            by_product = by_product.where(_batches.c.lot == bindparam("b_lot"))
            by_run = by_run.where(_batches.c.lot == bindparam("b_lot"))
        conditions.append(or_(_labels.c.batch_id.in_(by_product), _labels.c.run_id.in_(by_run)))
    return conditions


def _statements(mode: str) -> dict[str, Any]:
    """The scan's Core statements: touch the label (locks its row), count a new device, record the scan; touch and
    count in one (SQLite); stamp a label whose scans' devices are all counted already (the latest time wins); peek;
    peek with whether the device scanned the label before (for buffered scans)."""
    now = bindparam("now", type_=DateTime(timezone=True))
    label_id = bindparam("label_id", type_=Integer)
    columns = (
        _labels.c.id,
        _labels.c.batch_id,
        _labels.c.scan_count,
        _labels.c.first_scanned_at,
        _head_hash(),
        func.coalesce(func.length(_labels.c.pin_hash), 0),  # not `IS NOT NULL`: SQLite 3.40 RETURNING gets it wrong
    )
    stamps = {"first_scanned_at": func.coalesce(_labels.c.first_scanned_at, now), "last_scanned_at": now}
    touch = update(_labels).where(*_label_filter(mode)).values(**stamps).returning(*columns)
    later = or_(_labels.c.last_scanned_at.is_(None), _labels.c.last_scanned_at < now)
    stamp_counted = (
        update(_labels)
        .where(_labels.c.id == label_id)
        .values(last_scanned_at=case((later, now), else_=_labels.c.last_scanned_at))
        .returning(*columns)
    )
    seen = exists().where(_scans.c.label_id == label_id, _device_in())
    new_device = (
        update(_labels)
        .where(_labels.c.id == label_id, ~seen)
        .values(scan_count=_labels.c.scan_count + 1)
        .returning(_labels.c.scan_count)
    )
    seen_before = exists().where(_scans.c.label_id == _labels.c.id, _device_in())
    touch_and_count = (
        update(_labels)
        .where(*_label_filter(mode))
        .values(**stamps, scan_count=_labels.c.scan_count + case((seen_before, 0), else_=1))
        .returning(*columns)
    )
    record = insert(_scans).from_select(
        ["label_id", "product_id", "cooperative_id", "scanned_at", "via", "client_hash", "device_hash"],
        select(
            label_id,
            _batches.c.product_id,
            _batches.c.cooperative_id,
            now,
            bindparam("via", type_=String),
            bindparam("fallback", type_=String),
            bindparam("device", type_=String),
        ).where(_batches.c.id == bindparam("batch_id", type_=Integer)),
    )
    peek = select(*columns).where(*_label_filter(mode))
    peek_device = select(*columns, seen_before).where(*_label_filter(mode))
    return {
        "touch": touch,
        "new_device": new_device,
        "record": record,
        "touch_and_count": touch_and_count,
        "stamp_counted": stamp_counted,
        "peek": peek,
        "peek_device": peek_device,
    }


def _device_in() -> Any:
    """A scan of the device, under either of its hashes."""
    return _scans.c.device_hash.in_([bindparam("device", type_=String), bindparam("fallback", type_=String)])


@dataclass(frozen=True)
class _Compiled:
    """The scan statements of one dialect and label filter, run on the raw DB-API cursor, and the dialect's timestamp
    processors (None where the driver converts): a scan stamps its time once for all its statements."""

    touch: StatementText
    new_device: StatementText
    record: StatementText
    touch_and_count: StatementText
    stamp_counted: StatementText
    peek: StatementText
    peek_device: StatementText
    write_moment: Any
    read_moment: Any


@functools.cache
def _compiled(dialect_name: str, mode: str) -> _Compiled:
    dialect = db.engine.dialect
    compiled = {
        name: statement_text(statement.compile(dialect=dialect)) for name, statement in _statements(mode).items()
    }
    moment = DateTime(timezone=True).dialect_impl(dialect)
    return _Compiled(
        **compiled, write_moment=moment.bind_processor(dialect), read_moment=moment.result_processor(dialect, None)
    )


def _params(serial: str, gtin: str | None, lot: str | None) -> dict:
    params: dict[str, Any] = {"b_serial": serial}
    if gtin is not None:
        forms = gtin_forms(gtin)
        params.update({f"gtin_{i}": forms[min(i, len(forms) - 1)] for i in range(GTIN_SLOTS)})
        if lot is not None:
            params["b_lot"] = lot
    return params


def client_hash(
    remote_addr: str | None = None, user_agent: str | None = None, config: Mapping[str, Any] | None = None
) -> str:
    """A short fingerprint of the scanning device for spotting repeat scans (no IP address is stored)."""
    if remote_addr is None:
        remote_addr, user_agent = request.remote_addr, request.user_agent.string
    raw = f"{_settings(config)['SECRET_KEY'][:16]}|{remote_addr}|{(user_agent or '')[:200]}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


DEVICE_COOKIE = "ocop_device"
DEVICE_COOKIE_SECONDS = 2 * 365 * 24 * 3600
_DEVICE_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}\Z")
COOKIE_VALUE_SLOT = "OcopDeviceCookieValue"


@dataclass(frozen=True)
class Device:
    """Who is scanning: the device's hash, its address-and-browser hash, and a new cookie to give it (if any).

    A phone with the device cookie is its cookie's keyed hash; one without is its address-and-browser hash (and
    gets a cookie for next time). A scan is a new device for a label unless the label was scanned before under
    either hash, so the first cookieless scan and the reloads that carry the new cookie are one device.
    """

    hash: str
    fallback: str
    new_cookie: str | None

    def params(self) -> dict[str, str]:
        """The values `_device_in` binds."""
        return {"device": self.hash, "fallback": self.fallback}


def device_of(
    cookie: str | None, remote_addr: str | None, user_agent: str | None, config: Mapping[str, Any] | None = None
) -> Device:
    fallback = client_hash(remote_addr or "", user_agent, config)
    if cookie and _DEVICE_TOKEN.match(cookie):
        key = _settings(config)["SECRET_KEY"].encode()
        keyed = hmac.new(key, f"device|{cookie}".encode(), hashlib.sha256).hexdigest()[:16]
        return Device(keyed, fallback, None)
    return Device(fallback, fallback, secrets.token_urlsafe(18))


def request_device() -> Device:
    return device_of(request.cookies.get(DEVICE_COOKIE), request.remote_addr, request.user_agent.string)


def device_cookie(token: str, secure: bool) -> str:
    """The `Set-Cookie` value of a device cookie: long-lived, HttpOnly, SameSite=Lax, Secure over https."""
    before, after = _cookie_around(int(time.time()), secure)
    return before + token + after


@functools.lru_cache(maxsize=4)
def _cookie_around(second: int, secure: bool) -> tuple[str, str]:
    """The device cookie's text before and after its token, built once a second (its Expires has whole seconds;
    a token is URL-safe base64, which a cookie value never quotes)."""
    made = dump_cookie(
        DEVICE_COOKIE,
        COOKIE_VALUE_SLOT,
        max_age=DEVICE_COOKIE_SECONDS,
        path="/",
        secure=secure,
        httponly=True,
        samesite="Lax",
    )
    before, _slot, after = made.partition(COOKIE_VALUE_SLOT)
    return before, after


def give_device_cookie(response: Response, device: Device) -> Response:
    if device.new_cookie is not None:
        response.headers.add("Set-Cookie", device_cookie(device.new_cookie, request.scheme == "https"))
    return response


@functools.cache
def _per_minute(count: int) -> RateLimitItemPerMinute:
    return RateLimitItemPerMinute(count)


def scan_allowed(remote_addr: str | None, config: Mapping[str, Any] | None = None) -> bool:
    """Take one of the client's `SCAN_RATE_LIMIT` scans per minute (0, or rate limits switched off with
    `RATELIMIT_ENABLED`, turns it off); False when none left."""
    per_minute = int(_settings(config).get("SCAN_RATE_LIMIT", 60))
    if per_minute <= 0 or not limiter.enabled:
        return True
    return limiter.limiter.hit(_per_minute(per_minute), "scan", remote_addr or "")


def _hit(row: Any, serial: str, read_moment: Any, count: int | None = None) -> ScanHit:
    first = read_moment(row[3]) if read_moment and row[3] is not None else row[3]
    return ScanHit(row[0], row[1], serial, row[2] if count is None else count, first, row[4] or "", bool(row[5]))


def record_scan(
    serial: str, *, gtin: str | None = None, lot: str | None = None, via: str = "qr", device: Device | None = None
) -> ScanHit | None:
    """Record one scan of a label (None when no such label, or its GTIN/lot do not match).

    Its own short transaction on a DB-API connection (`scanwriter`: on a SQLite file the worker's own, taken in
    turn with the other workers through a lock file; else pooled): `BEGIN IMMEDIATE` on SQLite, then the statements
    compiled once from Core — an UPDATE … RETURNING that stamps the label and locks its row, an UPDATE that adds
    one to `scan_count` only when no earlier scan of the label came from this device (on SQLite both in one
    UPDATE), and the INSERT … SELECT of the scan — then COMMIT. The row lock makes the device check exact under
    concurrent scans on PostgreSQL too.
    The ORM session is never touched, so the write lock is held for well under a millisecond.
    """
    scan = PendingScan(serial, via[:10], device or request_device(), utcnow(), gtin, lot)
    row, count = write_scans([scan])[0]
    if row is None:
        return None
    _, read_moment = _moments()
    return _hit(row, serial, read_moment, count)


@dataclass(frozen=True)
class PendingScan:
    """One scan to write: which label (serial, and the GTIN/lot the URL named), how, by whom and when."""

    serial: str
    via: str
    device: Device
    at: datetime
    gtin: str | None = None
    lot: str | None = None
    counted_label: int | None = None  # the label's id when the database already holds a scan of it by this device


def _moments(dialect_name: str | None = None) -> tuple[Any, Any]:
    """The dialect's bind and result processors for timestamps (None where the driver does it)."""
    found = _compiled(dialect_name or db.engine.dialect.name, PLAIN)
    return found.write_moment, found.read_moment


def _write_scan(cursor: Any, dialect_name: str, scan: PendingScan, stamp: Any) -> tuple[Any, int | None]:
    """One scan's statements on an open transaction; the touched label row and its new count (None: the row has it,
    or the device is not new).

    SQLite runs one writer at a time, so one UPDATE stamps the label and counts a new device. PostgreSQL stamps
    first, which locks the row, then counts in a statement of its own: that statement's snapshot, taken after the
    lock, sees a scan another transaction committed meanwhile (one statement's check could miss it)."""
    statements = _compiled(dialect_name, _mode(scan.gtin, scan.lot))
    device = scan.device.params()
    label = {**_params(scan.serial, scan.gtin, scan.lot), "now": stamp}
    count = None
    if dialect_name == "sqlite":
        row = _fetch_one(cursor, statements.touch_and_count, {**label, **device})
    else:
        row = _fetch_one(cursor, statements.touch, label)
        if row is not None:
            counted = _fetch_one(cursor, statements.new_device, {"label_id": row[0], **device})
            count = counted[0] if counted is not None else None
    if row is None:
        return None, None
    record = statements.record
    cursor.execute(
        record.sql, record.args({"label_id": row[0], **device, "batch_id": row[1], "now": stamp, "via": scan.via})
    )
    return row, count


def _fetch_one(cursor: Any, statement: StatementText, params: dict[str, Any]) -> Any:
    """The statement's one row of RETURNING or SELECT (None: no row)."""
    cursor.execute(statement.sql, statement.args(params))
    return cursor.fetchone()


def write_scans(scans: list[PendingScan]) -> list[tuple[Any, int | None]]:
    """Write scans in one transaction (all or none); per scan, its label row (None: no such label) and its new device
    count (None: the row holds it, or not a new device).

    Scans are written in order with the single scan's statements, except those whose device the database had
    already counted for the label when the scan was shown (`counted_label`): a device once counted stays counted
    and the label's first scan stays, so they only move the label's last-scan time. They are written after the
    others, one UPDATE per label (the latest time wins) and one batch INSERT of their rows."""
    engine = db.engine
    dialect_name = engine.dialect.name
    write_moment, _read = _moments(dialect_name)
    stamp = write_moment or (lambda moment: moment)
    written: list[tuple[Any, int | None]] = [(None, None)] * len(scans)
    counted: dict[int, list[int]] = {}
    with scan_transaction(engine) as cursor:
        for index, scan in enumerate(scans):
            if scan.counted_label is None:
                written[index] = _write_scan(cursor, dialect_name, scan, stamp(scan.at))
            else:
                counted.setdefault(scan.counted_label, []).append(index)
        if counted:
            _write_counted_scans(cursor, _compiled(dialect_name, PLAIN), scans, counted, stamp, written)
    recorded = Counter(scan.via for scan, (row, _count) in zip(scans, written, strict=True) if row is not None)
    for via, scans_of_via in recorded.items():
        count_metric("scans", scans_of_via, via=via)
    return written


def _write_counted_scans(
    cursor: Any,
    statements: _Compiled,
    scans: list[PendingScan],
    counted: dict[int, list[int]],
    stamp: Any,
    written: list[tuple[Any, int | None]],
) -> None:
    """The scans of devices already counted, by label: the label stamped with the latest, then every row inserted."""
    rows = []
    for label_id, indexes in counted.items():
        latest = max(scans[index].at for index in indexes)
        label = _fetch_one(cursor, statements.stamp_counted, {"label_id": label_id, "now": stamp(latest)})
        if label is None:
            continue  # the label is gone: its scans are dropped, as a single scan's would be
        for index in indexes:
            scan = scans[index]
            who = {**scan.device.params(), "label_id": label_id, "batch_id": label[1]}
            rows.append(statements.record.args({**who, "now": stamp(scan.at), "via": scan.via}))
            written[index] = (label, None)
    if rows:
        cursor.executemany(statements.record.sql, rows)


def scan_engine() -> Engine:
    """The app's engine with the plain scan's statements compiled for it (call with an app context): what
    `peek_scan` needs to run without one."""
    _compiled(db.engine.dialect.name, PLAIN)
    return db.engine


def peek_scan(serial: str, device: Device, engine: Engine | None = None) -> tuple[ScanHit, bool] | None:
    """The label of a serial (a plain `/t/<serial>`) and whether the device scanned it before, without writing
    (on `engine`, else the app's)."""
    engine = engine or db.engine
    statements = _compiled(engine.dialect.name, PLAIN)
    params = {"b_serial": serial, **device.params()}
    with scan_read(engine) as cursor:
        row = _fetch_one(cursor, statements.peek_device, params)
    return None if row is None else (_hit(row, serial, statements.read_moment), bool(row[6]))


def peek_label(serial: str, *, gtin: str | None = None, lot: str | None = None) -> ScanHit | None:
    """The label without counting a scan (for `linkType` redirects)."""
    statements = _compiled(db.engine.dialect.name, _mode(gtin, lot))
    with db.engine.connect() as connection:
        row = connection.exec_driver_sql(statements.peek.sql, statements.peek.args(_params(serial, gtin, lot))).first()
    return None if row is None else _hit(row, serial, statements.read_moment)


STATUS_SLOT = "\x00status\x00"


@dataclass(frozen=True)
class BatchView:
    """The scan page of one batch head, rendered once: the HTML before and after the per-scan status."""

    data: dict
    before: str
    after: str


def batch_view(batch_id: int, head: str) -> BatchView:
    """The cached page for this batch head and locale (built and rendered on a miss)."""
    key = (batch_id, head, str(get_locale()))
    found = cache.get(key, _ttl())
    if found is not None:
        return found
    data = batch_facts(batch_id)
    page = render_template("traceability/scan.html", d=data, status=Markup(STATUS_SLOT))  # noqa: S704 — constant
    before, _slot, after = page.partition(STATUS_SLOT)
    view = BatchView(data, before, after)
    cache.put(key, view)
    return view


@dataclass(frozen=True)
class StatusTexts:
    """The status sentences in the current locale, translated and HTML-escaped once, formatted per scan without
    Jinja (`counted` is `Markup`: its `%` escapes the values it is given)."""

    first: Markup
    counted: Markup
    copied: Markup
    first_buyer: Markup
    report: Markup
    altered: Markup
    label: Markup
    pin: Markup


def cached_status_texts(locale: str) -> StatusTexts | None:
    return cache.get(("status", locale), _ttl())


def _status_texts() -> StatusTexts:
    key = ("status", str(get_locale()))
    found = cache.get(key, _ttl())
    if found is None:
        found = _escaped(
            first=_("Mã chính hãng — quét lần đầu"),
            counted=_("Mã này đã được quét %(n)d lần, lần đầu lúc %(at)s."),
            copied=_(
                "Cảnh báo: mã bị quét nhiều lần bất thường, tem có thể đã bị sao chép lên hàng giả. "
                "Hãy kiểm tra bao bì, hỏi người bán, và báo cho chúng tôi nếu nghi ngờ."
            ),
            first_buyer=_("Nếu bạn là người mua đầu tiên mà chưa quét lần nào, sản phẩm có thể không chính hãng."),
            report=_("Báo nghi hàng giả"),
            altered=_(
                "Cảnh báo: dữ liệu đã bị thay đổi sau khi ghi. Thông tin các công đoạn của lô này không còn đáng tin."
            ),
            label=_("Mã tem"),
            pin=_("Kiểm tra mã PIN cào trên tem"),
        )
        cache.put(key, found)
    return found


def _escaped(**texts: str) -> StatusTexts:
    return StatusTexts(**{name: escape(text) for name, text in texts.items()})


@functools.lru_cache(maxsize=4096)
def _first_scan_shown(moment: datetime | None) -> str:
    """`format_datetime` of a label's first scan, worked out once per moment (every later scan shows it again)."""
    return format_datetime(moment)


def status_html(hit: ScanHit, chain_valid: bool, threshold: int, texts: StatusTexts | None = None) -> str:
    """The per-scan part of the page: genuine, first scan or how many times, copy and tamper warnings."""
    texts = texts or _status_texts()
    parts = []
    if hit.scan_count > 1:
        counted = texts.counted % {"n": hit.scan_count, "at": _first_scan_shown(hit.first_scanned_at)}
        if hit.scan_count > threshold:
            link = escape(f"/t/report?serial={hit.serial}")
            parts.append(
                f'<section class="status bad" role="alert"><p>{counted}</p><p>{texts.copied}</p>'
                f'<p><a class="btn" href="{link}">{texts.report}</a></p></section>'
            )
        else:
            parts.append(
                f'<section class="status info" role="status"><p>{counted}</p>'
                f'<p class="mu">{texts.first_buyer}</p></section>'
            )
    else:
        parts.append(f'<section class="status ok" role="status"><p>{texts.first}</p></section>')
    if not chain_valid:
        parts.append(f'<section class="status bad" role="alert"><p>{texts.altered}</p></section>')
    if hit.has_pin:
        parts.append(f'<p><a class="btn" href="{escape(f"/t/{hit.serial}/pin")}">{texts.pin}</a></p>')
    parts.append(f'<p class="mu">{texts.label}: <span class="code">{escape(grouped(hit.serial))}</span></p>')
    return "\n".join(parts)


def render_page(hit: ScanHit, view: BatchView) -> str:
    """The page for one scan: the cached HTML around a status built with plain string formatting."""
    return view.before + status_html(hit, view.data["chain_valid"], warning_threshold()) + view.after


def cached_page(hit: ScanHit, locale: str, config: Mapping[str, Any] | None = None) -> str | None:
    """The page for one scan when everything around the count is already cached for `locale`, else None."""
    ttl = _ttl(config)
    view = cache.get((hit.batch_id, hit.head, locale), ttl)
    texts = cache.get(("status", locale), ttl)
    threshold = cache.get("threshold", ttl)
    if view is None or texts is None or threshold is None:
        return None
    return view.before + status_html(hit, view.data["chain_valid"], threshold, texts) + view.after


def warning_threshold() -> int:
    """The admin's scan count past which the page warns of copies (cached like the batch part)."""
    found = cache.get("threshold", _ttl())
    if found is None:
        found = get_int_setting("scan_warning_threshold")
        cache.put("threshold", found)
    return found


def scan_json(hit: ScanHit, view: BatchView) -> dict:
    """The shape of docs/api.md: {genuine, serial, scan_count, first_scanned_at, chain_valid, product, cooperative, …}."""
    data = view.data
    return {
        "genuine": True,
        "serial": hit.serial,
        "scan_count": hit.scan_count,
        "first_scanned_at": iso(as_utc(hit.first_scanned_at)) if hit.first_scanned_at else None,
        "chain_valid": data["chain_valid"],
        "suspicious": hit.scan_count > warning_threshold(),
        "product": data["product"],
        "cooperative": data["cooperative"],
        "batch": data["batch"],
        "events": data["events"],
    }
