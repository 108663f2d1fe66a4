"""Words people read for a seller's kind (Excel templates and reports, pages)."""

from __future__ import annotations

from flask_babel import gettext as _

from ..models import CooperativeKind


def kind_labels() -> dict[CooperativeKind, str]:
    return {
        CooperativeKind.HTX: _("Hợp tác xã"),
        CooperativeKind.TO_HOP_TAC: _("Tổ hợp tác"),
        CooperativeKind.HO_KINH_DOANH: _("Hộ kinh doanh"),
        CooperativeKind.DOANH_NGHIEP: _("Doanh nghiệp"),
    }
