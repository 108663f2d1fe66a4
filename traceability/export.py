"""Batches and events as JSON for the API, and as an EPCIS 2.0 document."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.text import to_local

from . import epcis
from .labels import gtin14
from .models import Batch, Label, TraceEvent
from .services import events_of, verify_chain
from .stages import stage_name


def _iso(moment: datetime) -> str:
    return to_local(moment).isoformat(timespec="seconds")


def event_json(event: TraceEvent) -> dict:
    return {
        "id": event.id,
        "seq": event.seq,
        "stage": str(event.stage),
        "stage_name": stage_name(event.stage),
        "occurred_at": _iso(event.occurred_at),
        "recorded_at": _iso(event.recorded_at),
        "place": event.place,
        "commune": event.commune_code,
        "latitude": event.latitude,
        "longitude": event.longitude,
        "note": event.note,
        "input_name": event.input_name,
        "withholding_days": event.withholding_days,
        "corrects": event.corrects_event_id,
        "hash": event.hash,
        "prev_hash": event.prev_hash,
    }


def batch_json(batch: Batch) -> dict:
    labels = db.session.scalar(select(func.count(Label.id)).where(Label.batch_id == batch.id)) or 0
    return {
        "code": batch.code,
        "product_id": batch.product_id,
        "product": batch.product.name,
        "cooperative": batch.cooperative.name,
        "lot": batch.lot,
        "harvested_on": batch.harvested_on.isoformat() if batch.harvested_on else None,
        "expires_on": batch.expires_on.isoformat() if batch.expires_on else None,
        "quantity": batch.quantity,
        "unit": batch.unit,
        "inputs": batch.inputs,
        "certifications": list(batch.certifications or []),
        "standards": batch.standards,
        "created_at": _iso(batch.created_at),
        "labels": labels,
        "chain_valid": verify_chain(batch).valid,
        "events": [event_json(e) for e in events_of(batch)],
    }


def _location(event: TraceEvent, base_url: str) -> str | None:
    commune = event.commune
    return f"{base_url}/xa/{commune.slug}" if commune else None


def epcis_document(batch: Batch, base_url: str, now: datetime) -> dict:
    events = [
        epcis.EpcisEvent(
            id=e.id,
            seq=e.seq,
            stage=e.stage,
            occurred_at=e.occurred_at,
            recorded_at=e.recorded_at,
            hash=e.hash,
            prev_hash=e.prev_hash,
            place=e.place,
            note=e.note,
            location_uri=_location(e, base_url),
            latitude=e.latitude,
            longitude=e.longitude,
            input_name=e.input_name,
            withholding_days=e.withholding_days,
            corrects_event_id=e.corrects_event_id,
        )
        for e in events_of(batch)
    ]
    gtin = batch.product.gtin
    document = epcis.EpcisBatch(
        code=batch.code,
        lot=batch.lot,
        gtin14=gtin14(gtin) if gtin else None,
        quantity=batch.quantity,
        unit=batch.unit,
        base_url=base_url,
        events=events,
    )
    return epcis.document(document, now)
