"""Stage names in Vietnamese and their EPCIS 2.0 / CBV 2.0 meaning (business step and disposition)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import Stage

STAGE_NAMES = {
    Stage.PLANTING: _l("Gieo trồng"),
    Stage.CARE: _l("Chăm sóc"),
    Stage.HARVEST: _l("Thu hoạch"),
    Stage.PROCESSING: _l("Sơ chế/chế biến"),
    Stage.PACKING: _l("Đóng gói"),
    Stage.STORAGE: _l("Bảo quản"),
    Stage.SHIPPING: _l("Vận chuyển"),
    Stage.SALE: _l("Bán"),
}

# CBV 2.0 bare-word values (the EPCIS 2.0 JSON-LD context expands them to https://ref.gs1.org/cbv/…).
EPCIS_STAGE = {
    Stage.PLANTING: ("commissioning", "active"),
    Stage.CARE: ("inspecting", "in_progress"),
    Stage.HARVEST: ("creating_class_instance", "active"),
    Stage.PROCESSING: ("other", "in_progress"),
    Stage.PACKING: ("packing", "in_progress"),
    Stage.STORAGE: ("storing", "sellable_not_accessible"),
    Stage.SHIPPING: ("shipping", "in_transit"),
    Stage.SALE: ("retail_selling", "retail_sold"),
}


def stage_name(stage: Stage | str) -> str:
    try:
        return str(STAGE_NAMES[Stage(stage)])
    except ValueError:
        return str(stage)
