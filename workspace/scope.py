"""What a dashboard or report covers: one commune, one province or everything, over a period of dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, bindparam, select, true

from marketplace.errors import DomainError, Forbidden, NotFound
from marketplace.extensions import db
from marketplace.models import Commune, Province, Role, User
from marketplace.services import province_of_commune
from marketplace.text import VN_TZ, format_date
from marketplace.units import commune_names, province_names

MAX_PERIOD_DAYS = 5 * 366


@dataclass(frozen=True)
class Scope:
    """A commune (`commune_code`), a province (`province_code`) or, with neither, every commune."""

    commune_code: int | None = None
    province_code: int | None = None
    label: str = ""

    def where(self, commune_column) -> ColumnElement[bool]:
        """A condition on a commune-code column that keeps rows inside this scope."""
        if self.commune_code is not None:
            return commune_column == self.commune_code
        if self.province_code is not None:
            return commune_column.in_(select(Commune.code).where(Commune.province_code == self.province_code))
        return true()

    @property
    def shape(self) -> str:
        """ "commune", "province" or "all": what `bound()` needs to stand in for this scope in a prebuilt statement."""
        return "commune" if self.commune_code is not None else "province" if self.province_code is not None else "all"

    @property
    def params(self) -> dict[str, int | None]:
        """The values of `Scope.bound(self.shape)`'s parameters."""
        return {"scope_commune": self.commune_code, "scope_province": self.province_code}

    @staticmethod
    def bound(shape: str) -> Scope:
        """A scope of that shape whose codes are bind parameters, for a statement built once and run with `params`."""
        if shape == "commune":
            return Scope(commune_code=bindparam("scope_commune"))  # type: ignore[arg-type]
        if shape == "province":
            return Scope(province_code=bindparam("scope_province"))  # type: ignore[arg-type]
        return Scope()

    @property
    def query_args(self) -> dict[str, int]:
        """URL arguments that select this scope again (for links and the report)."""
        if self.commune_code is not None:
            return {"commune": self.commune_code}
        if self.province_code is not None:
            return {"province": self.province_code}
        return {}


@dataclass(frozen=True)
class Period:
    """Inclusive dates in Vietnam time."""

    start: date
    end: date

    @property
    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as UTC instants: Vietnam midnight of `start` to Vietnam midnight after `end`."""
        begin = datetime.combine(self.start, time.min, VN_TZ).astimezone(UTC)
        finish = datetime.combine(self.end + timedelta(days=1), time.min, VN_TZ).astimezone(UTC)
        return begin, finish

    def months(self) -> list[str]:
        """Every month of the period as 'YYYY-MM', in order."""
        months, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    def days(self) -> list[str]:
        """Every day of the period as 'YYYY-MM-DD', in order."""
        count = (self.end - self.start).days + 1
        return [(self.start + timedelta(days=i)).isoformat() for i in range(count)]

    @property
    def label(self) -> str:
        return f"{format_date(self.start)} – {format_date(self.end)}"

    @property
    def query_args(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def default_period(today: date) -> Period:
    """The last 12 months: from the first day of the month eleven months ago to today."""
    month_index = today.year * 12 + today.month - 1 - 11
    return Period(date(month_index // 12, month_index % 12 + 1, 1), today)


def _parse_date(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise DomainError(
            _("Ngày “%(name)s” không hợp lệ: hãy dùng dạng YYYY-MM-DD, ví dụ 2026-01-31.", name=name),
            code="invalid_date",
        ) from None


def parse_period(raw_from: str | None, raw_to: str | None, today: date) -> Period:
    """The period from `from`/`to` query arguments; missing parts default to the last 12 months (400 if bad)."""
    default = default_period(today)
    start = _parse_date(raw_from, "from") if raw_from else None
    end = _parse_date(raw_to, "to") if raw_to else None
    if start is None and end is not None:
        start = default_period(end).start
    period = Period(start or default.start, end or default.end)
    if period.start > period.end:
        raise DomainError(_("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."), code="invalid_period")
    if (period.end - period.start).days > MAX_PERIOD_DAYS:
        raise DomainError(_("Khoảng thời gian tối đa là 5 năm."), code="invalid_period")
    return period


def _int_arg(raw: str | None, name: str) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    if not raw.strip().isdigit():
        raise DomainError(_("Mã “%(name)s” phải là số.", name=name), code="invalid_scope")
    return int(raw.strip())


def commune_scope(code: int) -> Scope:
    """One commune, named as `Commune.full_name` from the per-worker reference data (no query once warm)."""
    province_code = province_of_commune(code)
    if province_code is None:
        raise NotFound(_("Không tìm thấy xã có mã %(code)s.", code=code))
    return Scope(commune_code=code, label=f"{commune_names()[code]}, {province_names()[province_code]}")


def resolve_scope(user: User, raw_commune: str | None, raw_province: str | None) -> Scope:
    """Commune staff see their own commune (403 for another); admin picks a commune, a province or all."""
    commune_code = _int_arg(raw_commune, "commune")
    province_code = _int_arg(raw_province, "province")
    if user.role == Role.COMMUNE_STAFF:
        if (commune_code is not None and commune_code != user.commune_code) or province_code is not None:
            raise Forbidden(_("Bạn chỉ xem được số liệu của xã mình."))
        return commune_scope(user.commune_code)
    if user.role != Role.ADMIN:
        raise Forbidden(_("Trang này dành cho cán bộ xã và quản trị viên."))
    if commune_code is not None:
        scope = commune_scope(commune_code)
        picked = db.session.get(Commune, commune_code)
        if province_code is None or picked.province_code == province_code:
            return scope
    if province_code is not None:
        province = db.session.get(Province, province_code)
        if province is None:
            raise NotFound(_("Không tìm thấy tỉnh có mã %(code)s.", code=province_code))
        return Scope(province_code=province_code, label=province.name)
    return Scope(label=_("Toàn bộ các xã"))
