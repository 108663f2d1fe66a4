"""Demo traceability data: batches with realistic events for the demo products, labels, a year of scans."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select

from catalog.models import Product
from marketplace.extensions import db
from marketplace.models import Role, User
from marketplace.text import VN_TZ, today_vn

from .labels import issue_labels
from .models import Batch, Label, Scan, Stage, TraceEvent
from .services import new_batch_code, seal_event

S = Stage
# product slug → (lot, days ago harvested, quantity, certifications, standards, inputs, [(stage, days offset, hour, place, note, input, withholding)])
DEMO_BATCHES = {
    "nam-meo-kho-van-son": (
        "NM-2025-10",
        40,
        300,
        ["VietGAP", "OCOP"],
        "TCVN 11041-2:2017",
        "Phôi nấm mèo giống Au-Mộc nhĩ 5 của Trung tâm Giống cây trồng Thanh Hóa",
        [
            (S.PLANTING, -95, 7, "Nhà nấm số 2, thôn Vạn Thắng", "Nhận 3.000 bịch phôi nấm, xếp giàn treo.", "", None),
            (S.CARE, -70, 16, "Nhà nấm số 2, thôn Vạn Thắng", "Tưới phun sương 3 lần/ngày, giữ ẩm 85%.", "", None),
            (S.HARVEST, 0, 6, "Nhà nấm số 2, thôn Vạn Thắng", "Thu hái đợt 2, tai nấm đều, dày.", "", None),
            (S.PROCESSING, 1, 8, "Xưởng sơ chế HTX", "Sấy lạnh 18 giờ ở 45 °C, độ ẩm còn 12%.", "", None),
            (S.PACKING, 3, 9, "Xưởng sơ chế HTX", "Đóng túi zip 500 g, dán tem truy xuất.", "", None),
            (S.STORAGE, 3, 15, "Kho HTX", "Kho khô, thoáng, tránh ánh nắng.", "", None),
        ],
    ),
    "nam-meo-kho-tui-200-g": (
        "NM200-2025-09",
        70,
        500,
        ["OCOP"],
        "TCVN 11041-2:2017",
        "Phôi nấm mèo tự cấy tại HTX",
        [
            (S.PLANTING, -120, 7, "Nhà nấm số 1, thôn Vạn Thắng", "Cấy phôi, ủ tơ 30 ngày.", "", None),
            (S.HARVEST, 0, 6, "Nhà nấm số 1, thôn Vạn Thắng", "Thu hái đợt 1.", "", None),
            (S.PROCESSING, 1, 8, "Xưởng sơ chế HTX", "Phơi và sấy, loại bỏ chân nấm.", "", None),
            (S.PACKING, 2, 10, "Xưởng sơ chế HTX", "Đóng túi 200 g.", "", None),
        ],
    ),
    "chuoi-viba-lien-son": (
        "CV-2025-11",
        10,
        1200,
        ["VietGAP"],
        "VietGAP trồng trọt (TCVN 11892-1:2017)",
        "Cây giống chuối tiêu hồng nuôi cấy mô Viba",
        [
            (S.PLANTING, -300, 7, "Đồi Đồng Chằm, xã Liên Sơn", "Trồng 1.200 cây giống nuôi cấy mô.", "", None),
            (S.CARE, -40, 8, "Đồi Đồng Chằm", "Bón thúc kali.", "Phân kali clorua", 0),
            (S.HARVEST, 0, 6, "Đồi Đồng Chằm", "Cắt buồng già 80%.", "", None),
            (S.PACKING, 0, 14, "Nhà sơ chế HTX", "Rửa, cắt nải, đóng thùng 13 kg.", "", None),
            (S.SHIPPING, 1, 5, "Liên Sơn → Hà Nội", "Xe lạnh 14 °C, giao chợ đầu mối.", "", None),
        ],
    ),
    "mat-ong-rung-muong-lat": (
        "MO-2025-04",
        200,
        400,
        ["OCOP"],
        "TCVN 12605:2019 (mật ong)",
        "Đàn ong nội rừng tự nhiên",
        [
            (S.HARVEST, 0, 9, "Rừng bản Lát, xã Mường Lát", "Khai thác thủ công, vắt tách sáp.", "", None),
            (S.PROCESSING, 2, 9, "Nhà sơ chế HTX", "Lọc 3 lần, hạ thủy phần còn 19%.", "", None),
            (S.PACKING, 5, 9, "Nhà sơ chế HTX", "Đóng chai thủy tinh 700 ml.", "", None),
        ],
    ),
}
LABELS_PER_BATCH = 24


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=VN_TZ).astimezone(UTC)


def _add_events(batch: Batch, actor: User, specs: list) -> None:
    """Write the events with their chain directly (demo times are in the past, which the service refuses)."""
    prev = ""
    for seq, (stage, offset, hour, place, note, input_name, withholding) in enumerate(specs, start=1):
        moment = _at(batch.harvested_on + timedelta(days=offset), hour)
        event = TraceEvent(
            batch_id=batch.id,
            seq=seq,
            stage=stage,
            occurred_at=moment,
            recorded_at=moment + timedelta(hours=1),
            place=place,
            commune_code=batch.cooperative.commune_code,
            actor_id=actor.id,
            actor_name=actor.full_name,
            note=note,
            input_name=input_name,
            withholding_days=withholding,
            prev_hash=prev,
        )
        seal_event(batch, event)
        db.session.add(event)
        prev = event.hash
    db.session.flush()


def _scans(batch: Batch, labels: list[int], rng: random.Random) -> int:
    """A spread of scans over the past 12 months (more in recent months), a few labels scanned repeatedly."""
    now = datetime.now(UTC)
    rows = []
    for index, label_id in enumerate(labels):
        count = 0 if index % 5 == 4 else (rng.randint(1, 2) if index % 7 else rng.randint(7, 12))
        moments = sorted(
            now - timedelta(days=min(364, int(rng.expovariate(1 / 90))), hours=rng.randint(0, 23)) for _ in range(count)
        )
        for moment in moments:
            rows.append(
                {
                    "label_id": label_id,
                    "product_id": batch.product_id,
                    "cooperative_id": batch.cooperative_id,
                    "scanned_at": moment,
                    "via": "qr",
                    "client_hash": (device := f"{rng.getrandbits(64):016x}"),
                    "device_hash": device,
                }
            )
        if moments:
            label = db.session.get(Label, label_id)
            label.scan_count, label.first_scanned_at, label.last_scanned_at = len(moments), moments[0], moments[-1]
    if rows:
        db.session.execute(insert(Scan), rows)
    return len(rows)


def seed_traceability() -> dict[str, int]:
    """Add each demo batch once (looked up by product and lot) with events, labels and scans."""
    rng = random.Random(6)
    added = scans = 0
    for slug, (lot, days_ago, quantity, certs, standards, inputs, specs) in DEMO_BATCHES.items():
        product = db.session.scalar(select(Product).where(Product.slug == slug))
        if product is None or db.session.scalar(
            select(Batch.id).where(Batch.product_id == product.id, Batch.lot == lot)
        ):
            continue
        actor = db.session.scalar(
            select(User)
            .where(User.cooperative_id == product.cooperative_id, User.role == Role.COOPERATIVE)
            .order_by(User.id)
        )
        harvested = today_vn() - timedelta(days=days_ago)
        batch = Batch(
            code=new_batch_code(),
            product_id=product.id,
            cooperative_id=product.cooperative_id,
            lot=lot,
            harvested_on=harvested,
            expires_on=harvested + timedelta(days=product.shelf_life_days or 365),
            quantity=quantity,
            unit=product.unit,
            inputs=inputs,
            certifications=certs,
            standards=standards,
            created_by_id=actor.id if actor else None,
        )
        db.session.add(batch)
        db.session.flush()
        if actor is not None:
            _add_events(batch, actor, specs)
        issue_labels(batch, LABELS_PER_BATCH, actor_id=actor.id if actor else None)
        ids = list(db.session.scalars(select(Label.id).where(Label.batch_id == batch.id).order_by(Label.id)))
        scans += _scans(batch, ids, rng)
        added += 1
    total = db.session.scalar(select(func.count(Batch.id))) or 0
    return {"lô hàng mới": added, "lượt quét mẫu": scans, "lô hàng": total}
