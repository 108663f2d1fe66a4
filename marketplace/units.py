"""Administrative units after the 2025 reform (34 provinces, 3,321 communes) from `vietnam-provinces`."""

from __future__ import annotations

import functools
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from vietnam_provinces import Province as VNProvince
from vietnam_provinces import Ward as VNWard

from .extensions import db
from .models import Commune, DivisionType, Province
from .text import fold, nfc, slugify

_DIVISION = {"xã": DivisionType.XA, "phường": DivisionType.PHUONG, "đặc khu": DivisionType.DAC_KHU}


def _province_rows() -> list[dict]:
    rows = []
    for p in VNProvince.iter_all():
        name = nfc(p.name)
        rows.append(
            {
                "code": int(p.code),
                "name": name,
                "slug": slugify(name.removeprefix("Thành phố ")),
                "is_city": "THANH_PHO" in p.division_type.name,
                "name_folded": fold(name),
            }
        )
    return rows


def _commune_rows() -> list[dict]:
    rows = []
    for w in VNWard.iter_all():
        name = nfc(w.name)
        rows.append(
            {
                "code": int(w.code),
                "province_code": int(w.province_code),
                "name": name,
                "slug": f"{slugify(name)}-{int(w.code)}",
                "division_type": _DIVISION[w.division_type.value],
                "name_folded": fold(name),
            }
        )
    return rows


def commune_count() -> int:
    """How many communes `load_units` writes (for a progress bar)."""
    return sum(1 for _ward in VNWard.iter_all())


def load_units(session: Session, progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Insert or update every province and commune; safe to run again. Returns (provinces, communes)."""
    provinces, communes = _province_rows(), _commune_rows()
    existing_p = {p.code: p for p in session.scalars(select(Province))}
    for row in provinces:
        _upsert(session, Province, existing_p.get(row["code"]), row)
    session.flush()
    existing_c = {c.code: c for c in session.scalars(select(Commune))}
    for i, row in enumerate(communes, 1):
        _upsert(session, Commune, existing_c.get(row["code"]), row)
        if progress and i % 500 == 0:
            progress(500)
    session.flush()
    return len(provinces), len(communes)


def _upsert(session: Session, model, current, row: dict) -> None:
    if current is None:
        session.add(model(**row))
        return
    for key, value in row.items():
        setattr(current, key, value)


@functools.cache
def province_names() -> dict[int, str]:
    """Province code → name; administrative units are reference data, read once per worker."""
    return {code: name for code, name in db.session.execute(select(Province.code, Province.name))}


@functools.cache
def commune_names() -> dict[int, str]:
    """Commune code → name, read once per worker (about 3,300 rows)."""
    return {code: name for code, name in db.session.execute(select(Commune.code, Commune.name))}


def units_loaded(session: Session) -> bool:
    return (session.scalar(select(func.count()).select_from(Commune)) or 0) > 0


def search_communes(session: Session, province_code: int | None, query: str = "", limit: int = 50) -> list[Commune]:
    """Communes of a province whose folded name contains the folded query (`muong lat` finds Mường Lát)."""
    stmt = select(Commune)
    if province_code:
        stmt = stmt.where(Commune.province_code == province_code)
    if query:
        stmt = stmt.where(Commune.name_folded.contains(fold(query)))
    return list(session.scalars(stmt.order_by(Commune.name_folded).limit(limit)))


def full_address(street: str, commune: Commune) -> str:
    """`street`, then the commune and province unless the street already names them (no "xã Triệu Sơn, Xã Triệu
    Sơn" on a slip)."""
    said = fold(street)
    parts = [street.strip().rstrip(",")]
    parts += [name for name in (commune.name, commune.province.name) if fold(name) not in said]
    return ", ".join(part for part in parts if part)
