"""NAPAS member banks by BIN (checked against docs/domain.md), loaded into the `banks` table."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Bank

NAPAS_BANKS: tuple[tuple[str, str, str], ...] = (
    ("970436", "Vietcombank", "Ngân hàng TMCP Ngoại thương Việt Nam"),
    ("970415", "VietinBank", "Ngân hàng TMCP Công thương Việt Nam"),
    ("970418", "BIDV", "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam"),
    ("970405", "Agribank", "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam"),
    ("970407", "Techcombank", "Ngân hàng TMCP Kỹ thương Việt Nam"),
    ("970422", "MB", "Ngân hàng TMCP Quân đội"),
    ("970416", "ACB", "Ngân hàng TMCP Á Châu"),
    ("970432", "VPBank", "Ngân hàng TMCP Việt Nam Thịnh Vượng"),
    ("970423", "TPBank", "Ngân hàng TMCP Tiên Phong"),
    ("970403", "Sacombank", "Ngân hàng TMCP Sài Gòn Thương Tín"),
    ("970449", "LPBank", "Ngân hàng TMCP Lộc Phát Việt Nam"),
    ("970441", "VIB", "Ngân hàng TMCP Quốc tế Việt Nam"),
    ("970437", "HDBank", "Ngân hàng TMCP Phát triển TP. Hồ Chí Minh"),
    ("970443", "SHB", "Ngân hàng TMCP Sài Gòn – Hà Nội"),
    ("970426", "MSB", "Ngân hàng TMCP Hàng Hải Việt Nam"),
    ("970448", "OCB", "Ngân hàng TMCP Phương Đông"),
    ("970440", "SeABank", "Ngân hàng TMCP Đông Nam Á"),
    ("970431", "Eximbank", "Ngân hàng TMCP Xuất Nhập khẩu Việt Nam"),
    ("970446", "Co-opBank", "Ngân hàng Hợp tác xã Việt Nam"),
    ("970414", "MBV", "Ngân hàng TNHH MTV Việt Nam Hiện Đại"),
    ("970406", "Vikki Bank", "Ngân hàng TNHH MTV Số Vikki"),
)


def load_banks(session: Session) -> int:
    """Insert banks that are missing; leave admin edits (names, active flag) alone."""
    known = set(session.scalars(select(Bank.bin)))
    added = 0
    for bin_, short, name in NAPAS_BANKS:
        if bin_ not in known:
            session.add(Bank(bin=bin_, short_name=short, name=name, active=True))
            added += 1
    session.flush()
    return added
