"""Read scopes for administration pages: the audit log with filters, communes with their staff and cooperatives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import selectinload

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.models import AuditLog, Commune, Cooperative, Province, Role, User
from marketplace.text import fold, normalise_phone_e164, slugify
from workspace.scope import Period

AUDIT_PAGE_SIZE = 50
MAX_PAGE = 1_000_000  # keeps the offset a number every database takes


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor: str = ""
    commune_code: int | None = None
    start: date | None = None
    end: date | None = None

    def query_args(self) -> dict[str, str]:
        args = {"action": self.action, "actor": self.actor}
        args["commune"] = str(self.commune_code) if self.commune_code else ""
        args["from"] = self.start.isoformat() if self.start else ""
        args["to"] = self.end.isoformat() if self.end else ""
        return {k: v for k, v in args.items() if v}


def _date_arg(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise DomainError(_("Ngày không hợp lệ: hãy dùng dạng YYYY-MM-DD."), code="invalid_date") from None


def parse_audit_filters(args) -> AuditFilters:
    raw_commune = (args.get("commune") or "").strip()
    if raw_commune and not raw_commune.isdigit():
        raise DomainError(_("Mã xã phải là số."), code="invalid_commune")
    filters = AuditFilters(
        action=(args.get("action") or "").strip()[:60],
        actor=(args.get("actor") or "").strip()[:254],
        commune_code=int(raw_commune) if raw_commune else None,
        start=_date_arg(args.get("from")),
        end=_date_arg(args.get("to")),
    )
    if filters.start and filters.end and filters.start > filters.end:
        raise DomainError(_("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."), code="invalid_period")
    return filters


def audit_query(filters: AuditFilters) -> Select[tuple[AuditLog]]:
    query = select(AuditLog).outerjoin(User, User.id == AuditLog.actor_id)
    if filters.action:
        query = query.where(or_(AuditLog.action == filters.action, AuditLog.action.like(f"{filters.action}.%")))
    if filters.actor:
        needle = f"%{filters.actor.lower()}%"
        matches = [func.lower(User.email).like(needle), func.lower(User.full_name).like(needle)]
        phone = normalise_phone_e164(filters.actor)
        if phone is not None:  # an actor signed up by phone has no e-mail: find them by their number too
            matches.append(User.phone == phone)
        query = query.where(or_(*matches))
    if filters.commune_code:
        query = query.where(AuditLog.commune_code == filters.commune_code)
    if filters.start or filters.end:
        begin, finish = Period(filters.start or date(2000, 1, 1), filters.end or date(2999, 12, 31)).utc_bounds
        query = query.where(AuditLog.at >= begin, AuditLog.at < finish)
    return query


def audit_page(filters: AuditFilters, page: int) -> Pagination:
    """One page of entries, newest first; a page past the end shows the last one."""
    query = audit_query(filters).options(selectinload(AuditLog.actor)).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    pagination = db.paginate(query, page=min(max(1, page), MAX_PAGE), per_page=AUDIT_PAGE_SIZE, error_out=False)
    if pagination.pages and pagination.page > pagination.pages:
        pagination = db.paginate(query, page=pagination.pages, per_page=AUDIT_PAGE_SIZE, error_out=False)
    return pagination


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))


def audit_communes() -> list[Commune]:
    """The communes the audit log has entries for, by name: the choices of its commune filter."""
    logged = select(AuditLog.commune_code).where(AuditLog.commune_code.is_not(None)).distinct()
    return list(db.session.scalars(select(Commune).where(Commune.code.in_(logged)).order_by(Commune.name)))


@dataclass(frozen=True)
class CommuneRow:
    commune: Commune
    staff: list[User]
    cooperatives: int
    verified: int


def province_overview() -> list[tuple[Province, int, int]]:
    """Each province with its number of commune staff accounts and of cooperatives."""
    staff = (
        select(Commune.province_code.label("p"), func.count(User.id).label("n"))
        .join(User, User.commune_code == Commune.code)
        .where(User.role == Role.COMMUNE_STAFF)
        .group_by(Commune.province_code)
        .subquery()
    )
    coops = (
        select(Commune.province_code.label("p"), func.count(Cooperative.id).label("n"))
        .join(Cooperative, Cooperative.commune_code == Commune.code)
        .group_by(Commune.province_code)
        .subquery()
    )
    rows = db.session.execute(
        select(Province, func.coalesce(staff.c.n, 0), func.coalesce(coops.c.n, 0))
        .outerjoin(staff, staff.c.p == Province.code)
        .outerjoin(coops, coops.c.p == Province.code)
        .order_by(Province.name)
    ).all()
    return [(province, int(s), int(c)) for province, s, c in rows]


def communes_of_province(province_code: int, q: str = "") -> list[CommuneRow]:
    """Communes of one province with their staff accounts and cooperative counts."""
    coops = (
        select(
            Cooperative.commune_code.label("c"),
            func.count(Cooperative.id).label("n"),
            func.sum(case((Cooperative.verified, 1), else_=0)).label("v"),
        )
        .group_by(Cooperative.commune_code)
        .subquery()
    )
    query = (
        select(Commune, func.coalesce(coops.c.n, 0), func.coalesce(coops.c.v, 0))
        .outerjoin(coops, coops.c.c == Commune.code)
        .where(Commune.province_code == province_code)
        .order_by(Commune.name)
    )
    if q:
        query = query.where(Commune.name_folded.like(f"%{fold(q)}%"))
    rows = db.session.execute(query).all()
    staff_by_commune: dict[int, list[User]] = {}
    codes = [commune.code for commune, _n, _v in rows]
    for user in db.session.scalars(
        select(User).where(User.role == Role.COMMUNE_STAFF, User.commune_code.in_(codes)).order_by(User.email)
    ):
        staff_by_commune.setdefault(user.commune_code, []).append(user)
    return [CommuneRow(c, staff_by_commune.get(c.code, []), int(n), int(v)) for c, n, v in rows]


def cooperatives_for_admin(status: str, province_code: int | None, q: str, limit: int = 200) -> list[Cooperative]:
    query = (
        select(Cooperative)
        .join(Commune, Commune.code == Cooperative.commune_code)
        .options(selectinload(Cooperative.commune).selectinload(Commune.province))
        .order_by(Cooperative.verified, Cooperative.created_at.desc(), Cooperative.id.desc())
        .limit(limit)
    )
    if status == "waiting":
        query = query.where(~Cooperative.verified)
    elif status == "verified":
        query = query.where(Cooperative.verified)
    if province_code:
        query = query.where(Commune.province_code == province_code)
    if q:
        query = query.where(Cooperative.slug.like(f"%{slugify(q)}%"))
    return list(db.session.scalars(query))
