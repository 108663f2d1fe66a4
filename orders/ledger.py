"""The sellers' card-money ledger, derived (never a stored balance).

Card money lands in the platform's account (Stripe Connect is not offered to Vietnamese sellers), so the platform
owes each cooperative: its card sales (payments through a gateway `held_by_platform`, received for its orders),
minus the refunds of them that succeeded, minus the provider's fees (kept on each payment as `raw["fee_vnd"]`, else
the gateway's configured rate), minus the payouts an administrator recorded = the amount owed.

`statement()` lists every entry with its running balance (days in Asia/Ho_Chi_Minh); its last balance is the amount
owed, and the totals are summed separately from the same rows so the two always agree.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.errors import Forbidden, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Cooperative, User
from marketplace.services import record_audit
from marketplace.text import VN_TZ, as_utc, clean_text, format_vnd, spreadsheet_row, to_local, today_vn

from .models import Order, Payment, PaymentStatus, Payout, Refund, RefundStatus
from .payments import GATEWAYS, get_gateway

RECEIVED = (PaymentStatus.APPLIED, PaymentStatus.REFUNDED, PaymentStatus.LATE)  # money that reached the platform
KIND_ORDER = {"sale": 0, "fee": 1, "refund": 2, "payout": 3}
VND_FORMAT = '#,##0 "₫"'


@dataclass
class Entry:
    at: datetime  # UTC
    kind: str  # sale | fee | refund | payout
    label: str
    reference: str
    amount_vnd: int  # + owed to the seller, − taken off
    balance_vnd: int = 0

    @property
    def day(self) -> date:
        return to_local(self.at).date()


@dataclass
class Statement:
    cooperative: Cooperative
    entries: list[Entry] = field(default_factory=list)
    sales_vnd: int = 0
    refunds_vnd: int = 0
    fees_vnd: int = 0
    payouts_vnd: int = 0

    @property
    def owed_vnd(self) -> int:
        return self.sales_vnd - self.refunds_vnd - self.fees_vnd - self.payouts_vnd

    @property
    def balance_vnd(self) -> int:
        """The running balance after the last entry (equals owed_vnd)."""
        return self.entries[-1].balance_vnd if self.entries else 0

    def monthly(self) -> list[tuple[str, int, int]]:
        """(YYYY-MM, card sales, payouts) per month, oldest first."""
        months: dict[str, list[int]] = {}
        for entry in self.entries:
            if entry.kind in ("sale", "payout"):
                row = months.setdefault(entry.day.strftime("%Y-%m"), [0, 0])
                row[0 if entry.kind == "sale" else 1] += abs(entry.amount_vnd)
        return [(month, sales, payouts) for month, (sales, payouts) in sorted(months.items())]

    def monthly_bars(self, months: int = 12, height: int = 100) -> list[dict]:
        """The last `months` of monthly(), with bar heights scaled to `height` for the statement's small chart."""
        rows = self.monthly()[-months:]
        top = max([max(sales, payouts) for _month, sales, payouts in rows] + [1])
        return [
            {
                "label": f"{month[5:]}/{month[:4]}",
                "sales_vnd": sales,
                "payouts_vnd": payouts,
                "sales_h": round(sales * height / top),
                "payouts_h": round(payouts * height / top),
            }
            for month, sales, payouts in rows
        ]


def held_gateways() -> list[str]:
    """The gateway ids whose money the platform holds for the sellers."""
    return [gateway.id for gateway in GATEWAYS if gateway.held_by_platform]


def payment_fee(payment: Payment) -> int:
    fee = (payment.raw or {}).get("fee_vnd")
    if isinstance(fee, int) and fee >= 0:
        return fee
    return get_gateway(payment.gateway).fee_vnd(payment.amount_vnd) if payment.gateway in GATEWAYS else 0


def payout_moment(paid_on: date) -> datetime:
    """A payout counts at the end of its day in Vietnam, after that day's sales."""
    return as_utc(datetime.combine(paid_on, time(23, 59, 59), tzinfo=VN_TZ))


def statement(cooperative: Cooperative) -> Statement:
    """Every entry of this cooperative's card money, oldest first, with its running balance."""
    gateways = held_gateways()
    result = Statement(cooperative=cooperative)
    entries: list[tuple[tuple, Entry]] = []
    payments = db.session.execute(
        select(Payment, Order.code)
        .join(Order, Payment.order_id == Order.id)
        .where(Order.cooperative_id == cooperative.id, Payment.gateway.in_(gateways), Payment.status.in_(RECEIVED))
        .order_by(Payment.id)
    ).all()
    for payment, code in payments:
        at = as_utc(payment.at)
        fee = payment_fee(payment)
        result.sales_vnd += payment.amount_vnd
        result.fees_vnd += fee
        entries.append(
            ((at, 0, payment.id), Entry(at, "sale", _("Tiền thẻ đơn %(code)s", code=code), code, payment.amount_vnd))
        )
        if fee:
            entries.append(((at, 1, payment.id), Entry(at, "fee", _("Phí thẻ đơn %(code)s", code=code), code, -fee)))
    refunds = db.session.execute(
        select(Refund, Order.code)
        .join(Order, Refund.order_id == Order.id)
        .where(
            Order.cooperative_id == cooperative.id,
            Refund.gateway.in_(gateways),
            Refund.status == RefundStatus.SUCCEEDED,
        )
        .order_by(Refund.id)
    ).all()
    for refund, code in refunds:
        at = as_utc(refund.confirmed_at or refund.created_at)
        result.refunds_vnd += refund.amount_vnd
        label = _("Hoàn tiền đơn %(code)s", code=code)
        entries.append(
            ((at, 2, refund.id), Entry(at, "refund", label, refund.provider_reference or code, -refund.amount_vnd))
        )
    for payout in db.session.scalars(select(Payout).where(Payout.cooperative_id == cooperative.id).order_by(Payout.id)):
        at = payout_moment(payout.paid_on)
        result.payouts_vnd += payout.amount_vnd
        entries.append(
            (
                (at, 3, payout.id),
                Entry(at, "payout", _("Chuyển tiền cho hợp tác xã"), payout.bank_reference, -payout.amount_vnd),
            )
        )
    balance = 0
    for _key, entry in sorted(entries, key=lambda item: item[0]):
        balance += entry.amount_vnd
        entry.balance_vnd = balance
        result.entries.append(entry)
    return result


def cooperatives_with_card_money() -> list[Cooperative]:
    """Cooperatives that ever received card money or a payout, by name."""
    gateways = held_gateways()
    with_sales = (
        select(Order.cooperative_id)
        .join(Payment, Payment.order_id == Order.id)
        .where(Payment.gateway.in_(gateways), Payment.status.in_(RECEIVED))
    )
    with_payouts = select(Payout.cooperative_id)
    return list(
        db.session.scalars(
            select(Cooperative)
            .where(Cooperative.id.in_(with_sales) | Cooperative.id.in_(with_payouts))
            .order_by(Cooperative.name)
        )
    )


def balances() -> list[Statement]:
    """Every cooperative's statement (the admin's payouts page)."""
    return [statement(cooperative) for cooperative in cooperatives_with_card_money()]


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError as error:
        raise ValidationFailed(_("Nhập ngày chuyển tiền."), fields={"paid_on": [_("Không hợp lệ.")]}) from error


def record_payout(
    actor: User, cooperative: Cooperative, paid_on: str, amount: object, bank_reference: str, note: str = ""
) -> Payout:
    """An administrator paid card money out to the cooperative's bank account; no more than it is owed; audited."""
    if not actor.is_admin:
        raise Forbidden(_("Chỉ quản trị viên ghi khoản chuyển tiền cho hợp tác xã."))
    day = _parse_date(paid_on)
    if day > today_vn():
        raise ValidationFailed(_("Ngày chuyển tiền không thể ở tương lai."), fields={"paid_on": [_("Không hợp lệ.")]})
    try:
        amount_vnd = int(str(amount).replace(".", "").replace(",", "").replace(" ", "").strip())
    except ValueError:
        amount_vnd = 0
    if amount_vnd <= 0:
        raise ValidationFailed(_("Nhập số tiền đã chuyển (đồng)."), fields={"amount_vnd": [_("Phải lớn hơn 0.")]})
    reference = (clean_text(bank_reference) or "")[:100]
    if not reference:
        raise ValidationFailed(_("Nhập mã giao dịch ngân hàng."), fields={"bank_reference": [_("Bắt buộc.")]})
    db.session.scalar(select(Cooperative.id).where(Cooperative.id == cooperative.id).with_for_update())
    owed = statement(cooperative).owed_vnd
    if amount_vnd > owed:
        raise ValidationFailed(
            _("Số tiền chuyển vượt quá số đang nợ hợp tác xã (%(owed)s).", owed=format_vnd(owed)),
            fields={"amount_vnd": [_("Quá số đang nợ.")]},
        )
    payout = Payout(
        cooperative_id=cooperative.id,
        paid_on=day,
        amount_vnd=amount_vnd,
        bank_reference=reference,
        note=(clean_text(note) or "")[:300],
        recorded_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(payout)
    except IntegrityError as error:
        raise ValidationFailed(
            _("Mã giao dịch %(ref)s đã được ghi cho hợp tác xã này.", ref=reference),
            fields={"bank_reference": [_("Đã dùng.")]},
        ) from error
    record_audit(
        actor,
        "payout.recorded",
        "cooperative",
        cooperative.id,
        commune_code=cooperative.commune_code,
        amount_vnd=amount_vnd,
        paid_on=day.isoformat(),
        bank_reference=reference,
    )
    return payout


# --- Excel ----------------------------------------------------------------------------------------


def _rows(entries: Iterable[Entry]) -> Iterable[list]:
    for entry in entries:
        credit = entry.amount_vnd if entry.amount_vnd > 0 else None
        debit = -entry.amount_vnd if entry.amount_vnd < 0 else None
        yield [entry.day, entry.label, entry.reference, credit, debit, entry.balance_vnd]


def statement_xlsx(result: Statement) -> bytes:
    """The statement as one sheet: dated lines with the running balance, then the totals (money as integers)."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Sao kê")[:31]
    sheet.append(spreadsheet_row([_("Sao kê tiền thẻ — %(name)s", name=result.cooperative.name)]))
    sheet["A1"].font = Font(bold=True, size=12)
    headers = [_("Ngày"), _("Nội dung"), _("Mã"), _("Ghi có"), _("Ghi nợ"), _("Số dư")]
    sheet.append(spreadsheet_row(headers))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    first = sheet.max_row + 1
    for row in _rows(result.entries):
        sheet.append(spreadsheet_row(row))
    for row in sheet.iter_rows(min_row=first, max_row=sheet.max_row):
        row[0].number_format = "DD/MM/YYYY"
        for cell in row[3:6]:
            cell.number_format = VND_FORMAT
    sheet.append([])
    totals = [
        (_("Tiền thẻ"), result.sales_vnd),
        (_("Hoàn tiền"), result.refunds_vnd),
        (_("Phí thẻ"), result.fees_vnd),
        (_("Đã chuyển"), result.payouts_vnd),
        (_("Còn nợ hợp tác xã"), result.owed_vnd),
    ]
    for label, amount in totals:
        sheet.append(spreadsheet_row([None, label, None, None, None, amount]))
        sheet.cell(row=sheet.max_row, column=2).font = Font(bold=True)
        sheet.cell(row=sheet.max_row, column=6).number_format = VND_FORMAT
    for letter, width in zip("ABCDEF", (12, 40, 30, 16, 16, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
