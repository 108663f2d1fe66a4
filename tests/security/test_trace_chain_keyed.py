"""Someone with database access but without TRACE_CHAIN_KEY cannot rewrite a batch's story unnoticed.

The attacker here changes rows directly (SQL, as an operator or a stolen backup restored elsewhere would) and then
does what a careful forger does: recompute every hash of the chain with the published algorithm. The scan page and
its JSON must still say the data was altered. The batch's own fields and its photos are covered too.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from alembic import command
from sqlalchemy import create_engine, func, select, text

from marketplace.config import build_config
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.migrate import alembic_config, upgrade
from marketplace.models import CooperativeStatus
from marketplace.text import VN_TZ, today_vn
from tests.conftest import make_test_app
from tests.factories import make_cooperative
from tests.factories.catalog import jpeg_bytes
from tests.factories.traceability import make_batch, make_labels, owner_of
from traceability import chain, heads, photos, scanpage, services
from traceability.models import Batch, ChainHead, TraceEvent, TracePhoto
from traceability.tasks import PUBLISH_HEADS_TASK, publish_chain_heads_task

JSON = {"Accept": "application/json"}
ALTERED = "dữ liệu đã bị thay đổi"


@pytest.fixture(autouse=True)
def _fresh_cache():
    scanpage.cache.clear()
    yield
    scanpage.cache.clear()


def _labelled_batch(**overrides):
    batch = make_batch(**overrides)
    label = make_labels(batch, 1)[0]
    db.session.commit()
    return batch, label


def _scan(client, label) -> tuple[bool, str]:
    scanpage.cache.clear()
    valid = client.get(f"/t/{label.serial}", headers=JSON).get_json()["chain_valid"]
    scanpage.cache.clear()
    return valid, client.get(f"/t/{label.serial}").get_data(as_text=True)


def _recompute_plain(batch: Batch, scheme: int | None = None) -> None:
    """What a forger with database access does: re-hash every event with SHA-256, relinking prev_hash."""
    previous = ""
    for event in services.events_of(batch):
        event.prev_hash = previous
        content = chain.event_content(event, batch.code)
        forged = hashlib.sha256(chain.canonical_json(content)).hexdigest()
        db.session.execute(
            text("UPDATE trace_events SET prev_hash = :p, hash = :h, hash_scheme = :s WHERE id = :id"),
            {"p": previous, "h": forged, "s": scheme or event.hash_scheme, "id": event.id},
        )
        previous = forged
    db.session.commit()


def test_new_events_are_hmac_keyed_with_a_key_apart_from_secret_key(app):
    batch, _label = _labelled_batch()
    key = app.config["TRACE_CHAIN_KEY"]
    assert key and key != app.config["SECRET_KEY"]
    events = services.events_of(batch)
    assert [e.hash_scheme for e in events] == [2, 2, 2]
    first = events[0]
    plain = chain.content_hash(chain.event_content(first, batch.code))
    assert first.hash != plain
    seal = chain.Seal(key.encode(), chain.batch_content(batch))
    content = chain.sealed_content(first, batch.code, seal)
    assert first.hash == hmac.new(key.encode(), chain.canonical_json(content), hashlib.sha256).hexdigest()
    assert content["batch_fields"]["lot"] == batch.lot and content["prev_hash"] == ""
    assert services.verify_chain(batch).valid
    wrong = chain.Seal(b"another key", chain.batch_content(batch))
    assert chain.verify(events, batch.code, wrong).reason == "hash_mismatch"


def test_a_changed_note_with_every_hash_recomputed_is_detected(client):
    batch, label = _labelled_batch()
    assert _scan(client, label)[0] is True
    db.session.execute(
        text("UPDATE trace_events SET note = 'Không dùng thuốc' WHERE batch_id = :b AND seq = 2"), {"b": batch.id}
    )
    _recompute_plain(batch)
    valid, page = _scan(client, label)
    assert valid is False and ALTERED in page
    assert services.verify_chain(batch).reason == "hash_mismatch"


def test_rewriting_the_whole_chain_as_old_plain_sha256_is_detected(client):
    batch, label = _labelled_batch()
    db.session.execute(
        text("UPDATE trace_events SET note = 'Không dùng thuốc' WHERE batch_id = :b AND seq = 2"), {"b": batch.id}
    )
    _recompute_plain(batch, scheme=1)
    valid, page = _scan(client, label)
    assert valid is False and ALTERED in page
    assert services.verify_chain(batch).reason == "unsealed_legacy"


@pytest.mark.parametrize(
    ("column", "value"),
    [("lot", "NM-GIA"), ("quantity", 99999), ("harvested_on", "2020-01-01"), ("standards", "TCVN giả")],
)
def test_a_batch_field_changed_in_the_database_is_detected(client, column, value):
    batch, label = _labelled_batch()
    db.session.execute(text(f"UPDATE batches SET {column} = :v WHERE id = :b"), {"v": value, "b": batch.id})
    db.session.commit()
    valid, page = _scan(client, label)
    assert valid is False and ALTERED in page


def _batch_with_photos():
    batch = make_batch(events=())
    owner = owner_of(batch)
    services.add_photo(owner, batch, jpeg_bytes(colour=(10, 120, 40)))
    services.append_event(owner, batch, {"stage": "harvest", "note": "Hái"}, photo_uploads=[jpeg_bytes()])
    services.append_event(owner, batch, {"stage": "packing", "note": "Đóng gói"})
    label = make_labels(batch, 1)[0]
    db.session.commit()
    return batch, label


def test_event_and_batch_photos_are_sealed_into_the_chain(client):
    batch, label = _batch_with_photos()
    rows = db.session.scalars(select(TracePhoto).order_by(TracePhoto.id)).all()
    assert [p.event_id is None for p in rows] == [True, False]
    assert all(p.sha256 == photos.digest(batch.id, p.stem) for p in rows)
    valid, page = _scan(client, label)
    assert valid is True and ALTERED not in page and f"/media/trace/{batch.id}/{rows[1].stem}-320.jpg" in page


@pytest.mark.parametrize("which", ["batch", "event"])
@pytest.mark.parametrize("size", ["full", "thumb"])
def test_a_replaced_photo_file_is_detected(client, which, size):
    batch, label = _batch_with_photos()
    photo = db.session.scalar(
        select(TracePhoto).where(TracePhoto.event_id.is_(None) if which == "batch" else TracePhoto.event_id.isnot(None))
    )
    path = photos.full_path(batch.id, photo.stem) if size == "full" else photos.thumb_path(batch.id, photo.stem)
    path.write_bytes(jpeg_bytes(colour=(250, 0, 0)))
    valid, page = _scan(client, label)
    assert valid is False and ALTERED in page
    assert services.verify_chain(batch).reason == "photo_mismatch"


def test_a_replaced_photo_with_its_digest_rewritten_is_detected(client):
    batch, label = _batch_with_photos()
    photo = db.session.scalar(select(TracePhoto).where(TracePhoto.event_id.isnot(None)))
    photos.full_path(batch.id, photo.stem).write_bytes(jpeg_bytes(colour=(250, 0, 0)))
    db.session.execute(
        text("UPDATE trace_photos SET sha256 = :d WHERE id = :id"),
        {"d": photos.digest(batch.id, photo.stem), "id": photo.id},
    )
    db.session.commit()
    assert _scan(client, label)[0] is False
    assert services.verify_chain(batch).reason == "hash_mismatch"


def test_a_deleted_photo_row_is_detected(client):
    _batch, label = _batch_with_photos()
    db.session.execute(text("DELETE FROM trace_photos WHERE event_id IS NOT NULL"))
    db.session.commit()
    assert _scan(client, label)[0] is False


def test_batch_photos_can_only_be_added_before_the_first_event(app):
    batch = make_batch()
    with pytest.raises(Conflict) as refused:
        services.add_photo(owner_of(batch), batch, jpeg_bytes())
    assert refused.value.code == "batch_sealed" and "kèm một công đoạn" in refused.value.message


def _legacy_batch() -> Batch:
    """A batch whose events were written before keyed hashes, sealed the way migration 0340 seals them."""
    batch = make_batch(events=())
    previous = ""
    for seq, stage in enumerate(("harvest", "packing"), start=1):
        event = TraceEvent(
            batch_id=batch.id,
            seq=seq,
            stage=stage,
            occurred_at=batch.created_at,
            recorded_at=batch.created_at,
            note=f"Cũ {seq}",
            commune_code=batch.cooperative.commune_code,
            prev_hash=previous,
            hash_scheme=1,
        )
        event.hash = chain.content_hash(chain.event_content(event, batch.code))
        db.session.add(event)
        previous = event.hash
    db.session.flush()
    return batch


def test_a_chain_from_before_keyed_hashes_still_verifies_once_sealed_and_grows_keyed(app):
    batch = _legacy_batch()
    assert services.verify_chain(batch).reason == "unsealed_legacy"  # nothing keyed vouches for it yet
    batch.legacy_seal = chain.legacy_seal(
        app.config["TRACE_CHAIN_KEY"].encode(), chain.batch_content(batch), services.events_of(batch)[-1].hash
    )
    db.session.commit()
    assert services.verify_chain(batch).valid
    services.append_event(owner_of(batch), batch, {"stage": "shipping", "note": "Giao"})
    db.session.commit()
    assert [e.hash_scheme for e in services.events_of(batch)] == [1, 1, 2]
    assert services.verify_chain(batch).valid
    db.session.execute(text("UPDATE trace_events SET note = 'sửa' WHERE batch_id = :b AND seq = 1"), {"b": batch.id})
    _recompute_plain(batch)
    assert not services.verify_chain(batch).valid


def test_a_sealed_legacy_chain_rewritten_is_detected(app):
    batch = _legacy_batch()
    batch.legacy_seal = chain.legacy_seal(
        app.config["TRACE_CHAIN_KEY"].encode(), chain.batch_content(batch), services.events_of(batch)[-1].hash
    )
    db.session.commit()
    db.session.execute(text("UPDATE trace_events SET note = 'sửa' WHERE batch_id = :b AND seq = 2"), {"b": batch.id})
    _recompute_plain(batch)
    assert services.verify_chain(batch).reason == "unsealed_legacy"
    db.session.execute(text("UPDATE batches SET lot = 'KHAC' WHERE id = :b"), {"b": batch.id})
    db.session.commit()
    assert not services.verify_chain(batch).valid


def test_the_key_is_generated_once_apart_from_secret_key_and_required_in_production(tmp_path, monkeypatch):
    monkeypatch.delenv("TRACE_CHAIN_KEY", raising=False)
    monkeypatch.delenv("OCOP_ENV", raising=False)
    first = build_config({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "s" * 40})
    assert first["OCOP_ENV"] == "development"
    assert len(first["TRACE_CHAIN_KEY"]) >= 40 and first["TRACE_CHAIN_KEY"] != first["SECRET_KEY"]
    assert (tmp_path / "trace_chain_key").read_text().strip() == first["TRACE_CHAIN_KEY"]
    assert build_config({"INSTANCE_PATH": str(tmp_path)})["TRACE_CHAIN_KEY"] == first["TRACE_CHAIN_KEY"]
    with pytest.raises(RuntimeError, match="differ from SECRET_KEY"):
        build_config({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "same", "TRACE_CHAIN_KEY": "same"})
    monkeypatch.setenv("OCOP_ENV", "production")
    with pytest.raises(RuntimeError, match="TRACE_CHAIN_KEY is not set"):
        build_config({"INSTANCE_PATH": str(tmp_path / "prod"), "SECRET_KEY": "s" * 40})
    monkeypatch.setenv("TRACE_CHAIN_KEY", "k" * 48)
    assert (
        build_config({"INSTANCE_PATH": str(tmp_path / "prod"), "SECRET_KEY": "s" * 40})["TRACE_CHAIN_KEY"] == "k" * 48
    )


def test_migration_0340_seals_the_chains_already_stored(tmp_path, monkeypatch):
    """Upgrading a database whose chains are plain SHA-256: they keep verifying, and a later rewrite is caught."""
    url = f"sqlite:///{tmp_path / 'legacy.sqlite'}"
    upgrade(url)
    legacy_app = make_test_app(url, tmp_path / "instance")
    with legacy_app.app_context():
        batch = make_batch()
        db.session.commit()
        batch_id, code = batch.id, batch.code
        db.session.remove()
    command.downgrade(alembic_config(url), "0330_label_pin_checked")
    engine = create_engine(url)
    with engine.begin() as conn:  # the chain as the code before 0340 wrote it
        previous = ""
        for row in conn.execute(text("SELECT * FROM trace_events WHERE batch_id = :b ORDER BY seq"), {"b": batch_id}):
            event = SimpleNamespace(**row._mapping)
            event.prev_hash = previous
            for moment in ("occurred_at", "recorded_at"):
                value = getattr(event, moment)
                setattr(event, moment, datetime.fromisoformat(value) if isinstance(value, str) else value)
            event.hash = chain.content_hash(chain.event_content(event, code))
            conn.execute(
                text("UPDATE trace_events SET prev_hash = :p, hash = :h WHERE id = :id"),
                {"p": previous, "h": event.hash, "id": event.id},
            )
            previous = event.hash
    engine.dispose()
    monkeypatch.setenv("TRACE_CHAIN_KEY", legacy_app.config["TRACE_CHAIN_KEY"])  # the app's own settings
    upgrade(url)
    with legacy_app.app_context():
        batch = db.session.get(Batch, batch_id)
        assert batch.legacy_seal and [e.hash_scheme for e in services.events_of(batch)] == [1, 1, 1]
        assert services.verify_chain(batch).valid
        db.session.execute(
            text("UPDATE trace_events SET note = 'sửa' WHERE batch_id = :b AND seq = 1"), {"b": batch_id}
        )
        _recompute_plain(batch)
        assert services.verify_chain(batch).reason == "unsealed_legacy"
        db.session.remove()


# --- daily chain heads -------------------------------------------------------------------------------------------


def _written_on(batch: Batch, day: date, hour: int = 10) -> None:
    """Set-up: the batch's events as if recorded on `day` (Vietnam time), sealed as the service seals them."""
    previous = ""
    for event in services.events_of(batch):
        moment = datetime.combine(day, time(hour), VN_TZ).astimezone(UTC)
        event.occurred_at = event.recorded_at = moment
        event.prev_hash = previous
        services.seal_event(batch, event)
        previous = event.hash
    db.session.commit()
    assert services.verify_chain(batch).valid


def _two_days_of_events():
    today = today_vn()
    older = make_batch(events=("harvest",))
    owner = owner_of(older)
    _written_on(older, today - timedelta(days=2))
    newer = make_batch(owner=owner, events=("harvest", "packing"))
    _written_on(newer, today - timedelta(days=1))
    label = make_labels(newer, 1)[0]
    db.session.commit()
    return older, newer, label, today


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["trace", *args])


def test_heads_are_published_each_day_chained_and_public(app, client):
    older, newer, label, today = _two_days_of_events()
    slug = older.cooperative.slug
    first = _cli(app, "heads", "--day", (today - timedelta(days=2)).isoformat())
    assert first.exit_code == 0, first.output
    assert "Đã công bố 1" in first.output
    assert _cli(app, "heads").exit_code == 0  # yesterday by default
    body = client.get(f"/t/heads/{slug}.json").get_json()
    assert body["cooperative"] == slug
    newest, oldest = body["items"]
    assert (newest["day"], oldest["day"]) == (
        (today - timedelta(days=1)).isoformat(),
        (today - timedelta(2)).isoformat(),
    )
    assert (oldest["event_count"], newest["event_count"]) == (1, 2)
    assert oldest["prev_head"] == "" and newest["prev_head"] == oldest["head"]
    last_hashes = sorted(
        [(older.code, services.events_of(older)[-1].hash), (newer.code, services.events_of(newer)[-1].hash)]
    )
    content = heads.head_content(older.cooperative_id, today - timedelta(days=1), oldest["head"], last_hashes, 2)
    assert newest["head"] == chain.keyed_hash(app.config["TRACE_CHAIN_KEY"].encode(), content)
    page = client.get(f"/t/{label.serial}").get_data(as_text=True)
    assert f'Dấu chuỗi hôm nay: <a class="code" href="/t/heads/{slug}.json"' in page and newest["head"][:16] in page
    assert "chain_head" not in client.get(f"/t/{label.serial}", headers=JSON).get_json()  # the JSON keeps its shape
    assert _cli(app, "verify").exit_code == 0


def test_a_removed_newest_event_is_caught_by_the_published_heads(app):
    _older, newer, _label, today = _two_days_of_events()
    assert _cli(app, "heads").exit_code == 0
    stored = db.session.scalar(select(ChainHead.head))
    db.session.execute(text("DELETE FROM trace_events WHERE batch_id = :b AND seq = 2"), {"b": newer.id})
    db.session.commit()
    assert services.verify_chain(newer).valid  # a shorter chain is still a chain…
    result = _cli(app, "verify")
    assert result.exit_code == 1 and "không còn khớp (head)" in result.output  # …but not the one published
    again = _cli(app, "heads", "--day", (today - timedelta(days=1)).isoformat())
    assert again.exit_code == 1 and db.session.scalar(select(ChainHead.head)) == stored  # never overwritten


def test_a_rewritten_or_deleted_head_is_reported(app):
    older, _newer, _label, today = _two_days_of_events()
    _cli(app, "heads", "--day", (today - timedelta(days=2)).isoformat())
    _cli(app, "heads")
    db.session.execute(text("UPDATE chain_heads SET event_count = 5 WHERE day = :d"), {"d": today - timedelta(days=1)})
    db.session.commit()
    assert "không còn khớp (head)" in _cli(app, "verify").output
    db.session.execute(text("DELETE FROM chain_heads WHERE day = :d"), {"d": today - timedelta(days=2)})
    db.session.commit()
    result = _cli(app, "verify", "--cooperative", older.cooperative.slug)
    assert result.exit_code == 1 and "không còn khớp (prev_head)" in result.output


def test_only_finished_days_are_published_and_gaps_are_not_filled_later(app):
    _older, _newer, _label, today = _two_days_of_events()
    assert _cli(app, "heads", "--day", today.isoformat()).exit_code != 0
    assert _cli(app, "heads").exit_code == 0
    late = _cli(app, "heads", "--day", (today - timedelta(days=2)).isoformat())
    assert late.exit_code == 0 and "Bỏ qua" in late.output
    assert db.session.scalar(select(func.count(ChainHead.id))) == 1


def test_the_nightly_task_publishes_yesterday(app):
    _two_days_of_events()
    entry = app.extensions["celery"].conf.beat_schedule["traceability-chain-heads"]
    assert entry["task"] == PUBLISH_HEADS_TASK and entry["schedule"].hour == {0}
    assert publish_chain_heads_task.run() == {
        "day": (today_vn() - timedelta(days=1)).isoformat(),
        "published": 1,
        "mismatched": 0,
    }
    assert publish_chain_heads_task.run()["published"] == 0  # a repeat only re-checks


def test_heads_of_an_unknown_or_unverified_cooperative_are_not_found(client):
    pending = make_cooperative(status=CooperativeStatus.PENDING)
    db.session.commit()
    for slug in ("khong-co", pending.slug):
        response = client.get(f"/t/heads/{slug}.json")
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
