"""Pure parts of traceability: canonical JSON and hashes, chain verification, EPCIS mapping, lot and GTIN rules."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from traceability import chain, epcis
from traceability.models import Stage
from traceability.scanpage import gtin_forms
from traceability.validation import LOT_PATTERN


@dataclass
class Ev:
    id: int
    seq: int
    stage: Stage
    occurred_at: datetime
    recorded_at: datetime
    prev_hash: str = ""
    hash: str = ""
    place: str = "Nhà nấm số 2"
    commune_code: int | None = 15664
    latitude: float | None = 19.912345
    longitude: float | None = 105.61
    actor_id: int | None = 7
    actor_name: str = "Nguyễn Văn Sơn"
    note: str = "Sấy lạnh"
    input_name: str = ""
    withholding_days: int | None = None
    corrects_event_id: int | None = None
    hash_scheme: int = 1


AT = datetime(2025, 3, 1, 1, 30, 15, 123456, tzinfo=UTC)


def build_chain(count: int = 3) -> list[Ev]:
    events, prev = [], ""
    for seq in range(1, count + 1):
        event = Ev(seq, seq, list(Stage)[seq - 1], AT + timedelta(days=seq), AT + timedelta(days=seq, hours=1))
        event.prev_hash = prev
        event.hash = chain.content_hash(chain.event_content(event, "LABCDEFGH"))
        events.append(event)
        prev = event.hash
    return events


def test_canonical_json_is_sorted_compact_utf8_and_the_hash_is_its_sha256():
    content = {"b": "Nấm mèo", "a": 1, "c": None}
    assert chain.canonical_json(content) == '{"a":1,"b":"Nấm mèo","c":null}'.encode()
    assert chain.content_hash(content) == hashlib.sha256(chain.canonical_json(content)).hexdigest()


def test_content_covers_the_previous_hash_and_reads_back_the_same_from_either_database():
    event = build_chain(1)[0]
    content = chain.event_content(event, "LABCDEFGH")
    assert content["prev_hash"] == "" and content["occurred_at"] == "2025-03-02T01:30:15Z"
    assert content["latitude"] == "19.912345" and content["longitude"] == "105.610000"
    naive = replace(event, occurred_at=event.occurred_at.replace(tzinfo=None), recorded_at=event.recorded_at)
    assert chain.content_hash(chain.event_content(naive, "LABCDEFGH")) == event.hash  # SQLite gives naive UTC
    assert chain.content_hash({**content, "prev_hash": "x"}) != event.hash


def test_verify_accepts_an_intact_chain_and_names_the_first_altered_event():
    events = build_chain(4)
    assert chain.verify(events, "LABCDEFGH") == chain.ChainStatus(True, 4)
    events[1].note = "Đã sửa lén"
    status = chain.verify(events, "LABCDEFGH")
    assert (status.valid, status.broken_seq, status.reason) == (False, 2, "hash_mismatch")


def test_verify_notices_a_rewritten_hash_a_deleted_event_and_another_batch():
    events = build_chain(3)
    events[0].note = "sửa"
    events[0].hash = chain.content_hash(chain.event_content(events[0], "LABCDEFGH"))
    assert chain.verify(events, "LABCDEFGH").reason == "prev_hash_mismatch"
    assert chain.verify([e for e in build_chain(3) if e.seq != 2], "LABCDEFGH").reason == "missing_event"
    assert not chain.verify(build_chain(2), "LOTHERBAT").valid


def test_epcis_document_maps_stages_to_cbv_and_times_to_vietnam():
    events = build_chain(3)
    rows = [
        epcis.EpcisEvent(
            e.id,
            e.seq,
            e.stage,
            e.occurred_at,
            e.recorded_at,
            e.hash,
            e.prev_hash,
            e.place,
            e.note,
            "https://ocop.test/xa/x",
            e.latitude,
            e.longitude,
        )
        for e in events
    ]
    rows.append(replace(rows[1], id=9, seq=4, hash="f" * 64, corrects_event_id=2))
    batch = epcis.EpcisBatch("LABCDEFGH", "NM-01", "08931234567893", 120, "kg", "https://ocop.test", rows)
    doc = epcis.document(batch, AT)
    assert doc["type"] == "EPCISDocument" and doc["schemaVersion"] == "2.0"
    assert doc["@context"][0] == "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
    first, second, third, fix = doc["epcisBody"]["eventList"]
    assert first["type"] == "ObjectEvent" and first["action"] == "ADD" and second["action"] == "OBSERVE"
    assert (first["bizStep"], first["disposition"]) == ("commissioning", "active")
    assert (third["bizStep"], third["disposition"]) == ("creating_class_instance", "active")
    assert first["eventTime"] == "2025-03-02T08:30:15.123+07:00" and first["eventTimeZoneOffset"] == "+07:00"
    assert first["quantityList"] == [
        {"epcClass": "https://id.gs1.org/01/08931234567893/10/NM-01", "quantity": 120, "uom": "KGM"}
    ]
    assert first["readPoint"] == {"id": "geo:19.912345,105.610000"}
    assert first["bizLocation"] == {"id": "https://ocop.test/xa/x"}
    assert first["eventID"] == f"ni:///sha-256;{events[0].hash}?ver=CBV2.0"
    assert second["errorDeclaration"]["correctiveEventIDs"] == [fix["eventID"]]
    assert epcis.vn_time(datetime(2025, 1, 1, 20, 0, tzinfo=timezone(timedelta(hours=-5)))) == (
        "2025-01-02T08:00:00.000+07:00"
    )


def test_without_gtin_the_class_is_the_batch_url_and_counted_units_have_no_uom():
    batch = epcis.EpcisBatch("LABCDEFGH", "L1", None, 30, "hộp", "https://ocop.test")
    assert epcis.quantity_element(batch) == {"epcClass": "https://ocop.test/lo/LABCDEFGH", "quantity": 30}


def test_lots_follow_gs1_ai_10_without_url_breaking_characters():
    for good in ("NM-2025-03", "A", "lo_1.2", "X" * 20):
        assert LOT_PATTERN.match(good)
    for bad in ("", "X" * 21, "lô-1", "A/B", "50%", "a b", "a?b"):
        assert not LOT_PATTERN.match(bad)


def test_a_gtin14_matches_the_gtin13_12_and_8_forms_a_product_may_store():
    assert gtin_forms("08931234567893") == ["08931234567893", "8931234567893"]
    assert gtin_forms("00000096385074") == ["00000096385074", "0000096385074", "000096385074", "96385074"]


@dataclass
class Lot:
    code: str = "LABCDEFGH"
    product_id: int = 3
    cooperative_id: int = 2
    lot: str = "NM-01"
    harvested_on: date | None = date(2025, 3, 1)
    expires_on: date | None = None
    quantity: int = 120
    unit: str = "kg"
    inputs: str = ""
    certifications: list[str] | None = None
    standards: str = "TCVN 11041-2:2017"


KEY = b"k" * 32


def keyed_chain(
    count: int = 3, key: bytes = KEY, photos: dict[int, list[str]] | None = None
) -> tuple[list[Ev], chain.Seal]:
    seal = chain.Seal(key, chain.batch_content(Lot()), ["a" * 64], photos or {})
    events, prev = [], ""
    for seq in range(1, count + 1):
        event = Ev(seq, seq, list(Stage)[seq - 1], AT, AT, hash_scheme=2)
        event.prev_hash = prev
        event.hash = chain.event_hash(event, "LABCDEFGH", seal)
        events.append(event)
        prev = event.hash
    return events, seal


def test_the_keyed_hash_is_hmac_sha256_over_event_batch_fields_and_photo_digests():
    event = Ev(1, 1, Stage.HARVEST, AT, AT, hash_scheme=2)
    seal = chain.Seal(KEY, chain.batch_content(Lot()), ["a" * 64], {1: ["b" * 64]})
    content = chain.sealed_content(event, "LABCDEFGH", seal, seal.event_photos[1])
    assert content["scheme"] == 2 and content["photos"] == ["b" * 64] and content["batch_photos"] == ["a" * 64]
    assert content["batch_fields"] == {
        "code": "LABCDEFGH",
        "product_id": 3,
        "cooperative_id": 2,
        "lot": "NM-01",
        "harvested_on": "2025-03-01",
        "expires_on": None,
        "quantity": 120,
        "unit": "kg",
        "inputs": "",
        "certifications": [],
        "standards": "TCVN 11041-2:2017",
    }
    expected = hmac.new(KEY, chain.canonical_json(content), hashlib.sha256).hexdigest()
    assert chain.event_hash(event, "LABCDEFGH", seal) == expected
    assert expected != chain.content_hash(chain.event_content(event, "LABCDEFGH"))
    for changed in (
        chain.Seal(b"x" * 32, seal.batch, seal.batch_photos, seal.event_photos),
        chain.Seal(KEY, {**seal.batch, "lot": "NM-02"}, seal.batch_photos, seal.event_photos),
        chain.Seal(KEY, seal.batch, ["c" * 64], seal.event_photos),
        chain.Seal(KEY, seal.batch, seal.batch_photos, {1: ["d" * 64]}),
    ):
        assert chain.event_hash(event, "LABCDEFGH", changed) != expected
    assert chain.event_hash(event, "LABCDEFGH", None) is None  # no key, no keyed hash
    with pytest.raises(ValueError, match="TRACE_CHAIN_KEY"):
        chain.keyed_hash(b"", content)


def test_verify_checks_keyed_chains_and_refuses_a_downgrade_or_an_unsealed_legacy_chain():
    events, seal = keyed_chain(3)
    assert chain.verify(events, "LABCDEFGH", seal) == chain.ChainStatus(True, 3)
    assert chain.verify(events, "LABCDEFGH", chain.Seal(b"x" * 32, seal.batch)).reason == "hash_mismatch"
    assert chain.verify(events, "LABCDEFGH", None).reason == "hash_mismatch"
    mixed = build_chain(2)
    tail = Ev(3, 3, Stage.PACKING, AT, AT, prev_hash=mixed[-1].hash, hash_scheme=2)
    tail.hash = chain.event_hash(tail, "LABCDEFGH", seal)
    assert chain.verify([*mixed, tail], "LABCDEFGH", seal).valid  # the keyed event vouches for the old ones
    downgraded, _seal = keyed_chain(3)
    downgraded[2].hash_scheme = 1
    downgraded[2].hash = chain.content_hash(chain.event_content(downgraded[2], "LABCDEFGH"))
    assert chain.verify(downgraded, "LABCDEFGH", seal).reason == "scheme_downgrade"
    legacy = build_chain(2)
    assert chain.verify(legacy, "LABCDEFGH", seal).reason == "unsealed_legacy"
    stamp = chain.legacy_seal(KEY, seal.batch, legacy[-1].hash)
    assert chain.verify(legacy, "LABCDEFGH", seal, stamp).valid
    other = chain.Seal(KEY, {**seal.batch, "quantity": 1})
    assert chain.verify(legacy, "LABCDEFGH", other, stamp).reason == "unsealed_legacy"
    assert chain.verify(legacy, "LABCDEFGH").valid  # without the key only the arithmetic can be checked
