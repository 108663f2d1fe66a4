"""A batch's events as an EPCIS 2.0 JSON-LD document (ObjectEvents on the batch's class-level identity).

Pure: takes plain values, returns a dict. The batch is identified by its GS1 Digital Link LGTIN
(`https://id.gs1.org/01/{gtin14}/10/{lot}`) when the product has a GTIN, else by its public batch URL.
Quantities are counts unless the unit is a measure with a UN/ECE code. A correction is a later event; the
corrected event carries an `errorDeclaration` naming the correcting event, as EPCIS 2.0 describes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from marketplace.text import as_utc

from .models import Stage
from .stages import EPCIS_STAGE

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
VN_OFFSET = "+07:00"
_VN = timezone(timedelta(hours=7))
UOM = {"kg": "KGM", "g": "GRM", "tấn": "TNE", "lít": "LTR", "l": "LTR", "ml": "MLT"}


@dataclass(frozen=True)
class EpcisEvent:
    id: int
    seq: int
    stage: Stage
    occurred_at: datetime
    recorded_at: datetime
    hash: str
    prev_hash: str
    place: str = ""
    note: str = ""
    location_uri: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    input_name: str = ""
    withholding_days: int | None = None
    corrects_event_id: int | None = None


@dataclass(frozen=True)
class EpcisBatch:
    code: str
    lot: str
    gtin14: str | None
    quantity: int
    unit: str
    base_url: str
    events: list[EpcisEvent] = field(default_factory=list)


def vn_time(moment: datetime) -> str:
    """An EPCIS eventTime in Vietnam's offset, to the millisecond."""
    local = as_utc(moment).astimezone(_VN)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}" + VN_OFFSET


def epc_class(batch: EpcisBatch) -> str:
    if batch.gtin14:
        return f"https://id.gs1.org/01/{batch.gtin14}/10/{quote(batch.lot, safe='')}"
    return f"{batch.base_url}/lo/{batch.code}"


def event_id(event: EpcisEvent) -> str:
    """A stable eventID derived from the stored chain hash (RFC 6920 named information)."""
    return f"ni:///sha-256;{event.hash}?ver=CBV2.0"


def quantity_element(batch: EpcisBatch) -> dict:
    element: dict = {"epcClass": epc_class(batch), "quantity": batch.quantity}
    if batch.unit in UOM:
        element["uom"] = UOM[batch.unit]
    return element


def object_event(batch: EpcisBatch, event: EpcisEvent, corrections: dict[int, EpcisEvent]) -> dict:
    biz_step, disposition = EPCIS_STAGE[event.stage]
    data: dict = {
        "type": "ObjectEvent",
        "eventID": event_id(event),
        "eventTime": vn_time(event.occurred_at),
        "eventTimeZoneOffset": VN_OFFSET,
        "recordTime": vn_time(event.recorded_at),
        "action": "ADD" if event.seq == 1 else "OBSERVE",
        "bizStep": biz_step,
        "disposition": disposition,
        "epcList": [],
        "quantityList": [quantity_element(batch)],
    }
    if event.latitude is not None and event.longitude is not None:
        data["readPoint"] = {"id": f"geo:{event.latitude:.6f},{event.longitude:.6f}"}
    if event.location_uri:
        data["bizLocation"] = {"id": event.location_uri}
    extension = {
        "ocop:stage": str(event.stage),
        "ocop:seq": event.seq,
        "ocop:place": event.place,
        "ocop:note": event.note,
        "ocop:hash": event.hash,
        "ocop:prevHash": event.prev_hash,
    }
    if event.input_name:
        extension["ocop:input"] = event.input_name
    if event.withholding_days is not None:
        extension["ocop:withholdingDays"] = event.withholding_days
    data.update(extension)
    correction = corrections.get(event.id)
    if correction is not None:
        data["errorDeclaration"] = {
            "declarationTime": vn_time(correction.recorded_at),
            "reason": "incorrect_data",
            "correctiveEventIDs": [event_id(correction)],
        }
    return data


def document(batch: EpcisBatch, created: datetime) -> dict:
    """The EPCIS 2.0 document for a batch, events in chain order."""
    corrections = {e.corrects_event_id: e for e in batch.events if e.corrects_event_id}
    return {
        "@context": [EPCIS_CONTEXT, {"ocop": f"{batch.base_url}/ns/epcis#"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": vn_time(created),
        "epcisBody": {"eventList": [object_event(batch, e, corrections) for e in batch.events]},
    }
