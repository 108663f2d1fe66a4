"""Issuing label serials for a batch, and the URL each label's QR carries."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, select

from catalog.models import ProductVariant
from marketplace.errors import ValidationFailed
from marketplace.extensions import db

from .models import Batch, Label, LabelRun
from .serials import new_serial

MAX_LABELS_PER_RUN = 50_000
PIN_DIGITS = 6
_INSERT_CHUNK = 2_000


@dataclass(frozen=True)
class IssuedLabel:
    """A label just made: its serial, the URL for its QR, and the scratch PIN (only known at issue time)."""

    serial: str
    url: str
    pin: str | None = None


def gtin14(gtin: str) -> str:
    return gtin.strip().zfill(14)


def label_path(serial: str, lot: str, gtin: str | None) -> str:
    """GS1 Digital Link path when the product has a GTIN, otherwise the short `/t/<serial>`."""
    if gtin:
        return f"/01/{gtin14(gtin)}/10/{quote(lot, safe='')}/21/{serial}"
    return f"/t/{serial}"


def label_url(serial: str, lot: str, gtin: str | None) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + label_path(serial, lot, gtin)


def loopback_host(url: str) -> str | None:
    """The host of `url` when it names this machine (localhost, 127.0.0.0/8, ::1, 0.0.0.0), else None.

    A label printed with such a URL opens nothing on a buyer's phone, so it must never reach a printer by mistake.
    """
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    if host == "localhost" or host.endswith(".localhost"):
        return host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return host if address.is_loopback or address.is_unspecified else None


def hash_pin(serial: str, pin: str) -> str:
    """Keyed hash of a scratch PIN: a 6-digit PIN is only safe while the key stays secret."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{serial}:{pin}".encode(), hashlib.sha256).hexdigest()


def pin_matches(label: Label, pin: str) -> bool:
    if not label.pin_hash:
        return False
    return hmac.compare_digest(label.pin_hash, hash_pin(label.serial, pin.strip()))


def _unique_serials(count: int) -> list[str]:
    """`count` new serials that are not yet in the database (65 random bits: a clash is astronomically rare)."""
    serials: set[str] = set()
    while len(serials) < count:
        fresh = list({new_serial() for _ in range(count - len(serials))} - serials)
        for start in range(0, len(fresh), _INSERT_CHUNK):
            chunk = fresh[start : start + _INSERT_CHUNK]
            taken = set(db.session.scalars(select(Label.serial).where(Label.serial.in_(chunk))))
            serials.update(serial for serial in chunk if serial not in taken)
    return list(serials)


def labelled_variant(batch: Batch, variant_id: int | None) -> ProductVariant | None:
    """The batch's product's variant these labels are for (None when none is named); another's is refused."""
    if variant_id is None:
        return None
    variant = next((v for v in batch.product.variants if v.id == variant_id), None)
    if variant is None:
        message = _("Loại hàng này không thuộc sản phẩm của lô.")
        raise ValidationFailed(message, fields={"variant_id": [message]})
    return variant


def issue_labels(
    batch: Batch,
    count: int,
    *,
    actor_id: int | None = None,
    with_pin: bool = False,
    layout: dict[str, Any] | None = None,
    job_id: str | None = None,
    variant_id: int | None = None,
) -> tuple[LabelRun, list[IssuedLabel]]:
    """Make `count` labels for `batch` in one label run (flushes; the caller commits); naming one of the product's
    variants prints that variant's GTIN when it has one."""
    if not 1 <= count <= MAX_LABELS_PER_RUN:
        message = _("Số tem phải từ 1 đến %(max)s.", max=f"{MAX_LABELS_PER_RUN:,}".replace(",", "."))
        raise ValidationFailed(message, fields={"count": [message]})
    variant = labelled_variant(batch, variant_id)
    printed = (variant.gtin if variant else None) or batch.product.gtin
    gtin = gtin14(printed) if printed else None
    run = LabelRun(
        batch_id=batch.id,
        count=count,
        layout=layout or {},
        with_pin=with_pin,
        job_id=job_id,
        created_by_id=actor_id,
        gtin=gtin,
        variant_id=variant.id if variant else None,
    )
    db.session.add(run)
    db.session.flush()
    issued: list[IssuedLabel] = []
    rows: list[dict[str, Any]] = []
    for serial in _unique_serials(count):
        pin = f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}" if with_pin else None
        rows.append(
            {
                "serial": serial,
                "batch_id": batch.id,
                "run_id": run.id,
                "pin_hash": hash_pin(serial, pin) if pin else None,
            }
        )
        issued.append(IssuedLabel(serial, label_url(serial, batch.lot, gtin), pin))
    for start in range(0, len(rows), _INSERT_CHUNK):
        db.session.execute(insert(Label), rows[start : start + _INSERT_CHUNK])
    return run, issued
