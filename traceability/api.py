"""Traceability API under /api/v1 (docs/api.md): batches, their events, labels, and the EPCIS 2.0 export."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from marketplace.apiauth import api_user, token_required
from marketplace.apidoc import api_errors
from marketplace.extensions import db
from marketplace.models import Role
from marketplace.text import utcnow

from . import services
from .export import batch_json, epcis_document, event_json
from .labels import issue_labels
from .models import Stage
from .queries import get_managed_batch, get_visible_batch

blp = Blueprint("traceability_api", __name__, url_prefix="/api/v1", description="Lô hàng và truy xuất nguồn gốc")
API_MAX_LABELS = 1000
_INT32 = 2**31 - 1


class BatchCreate(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    product_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=_INT32))
    lot = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20))
    harvested_on = ma.fields.String(required=True, metadata={"description": "YYYY-MM-DD hoặc dd/mm/yyyy"})
    quantity = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=1_000_000_000))
    expires_on = ma.fields.String(load_default=None, allow_none=True)
    unit = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=20))
    inputs = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))
    certifications = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=60)), load_default=list)
    standards = ma.fields.String(load_default="", validate=ma.validate.Length(max=300))


class EventCreate(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    stage = ma.fields.String(required=True, validate=ma.validate.OneOf([s.value for s in Stage]))
    occurred_at = ma.fields.String(load_default=None, allow_none=True, metadata={"description": "ISO 8601"})
    place = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    commune = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=1, max=999_999))
    latitude = ma.fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(min=-90, max=90))
    longitude = ma.fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(min=-180, max=180))
    input_name = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    withholding_days = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=0, max=365))
    corrects = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=1, max=_INT32))


class LabelsCreate(ma.Schema):
    count = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=API_MAX_LABELS))
    with_pin = ma.fields.Boolean(load_default=False)
    variant_id = ma.fields.Integer(load_default=None, allow_none=True)


class EventOut(ma.Schema):
    id = ma.fields.Integer()
    seq = ma.fields.Integer()
    stage = ma.fields.String()
    stage_name = ma.fields.String()
    occurred_at = ma.fields.String()
    recorded_at = ma.fields.String()
    place = ma.fields.String()
    commune = ma.fields.Integer(allow_none=True)
    latitude = ma.fields.Float(allow_none=True)
    longitude = ma.fields.Float(allow_none=True)
    note = ma.fields.String()
    input_name = ma.fields.String()
    withholding_days = ma.fields.Integer(allow_none=True)
    corrects = ma.fields.Integer(allow_none=True)
    hash = ma.fields.String()
    prev_hash = ma.fields.String()


class BatchOut(ma.Schema):
    code = ma.fields.String()
    product_id = ma.fields.Integer()
    product = ma.fields.String()
    cooperative = ma.fields.String()
    lot = ma.fields.String()
    harvested_on = ma.fields.String(allow_none=True)
    expires_on = ma.fields.String(allow_none=True)
    quantity = ma.fields.Integer()
    unit = ma.fields.String()
    inputs = ma.fields.String()
    certifications = ma.fields.List(ma.fields.String())
    standards = ma.fields.String()
    created_at = ma.fields.String()
    labels = ma.fields.Integer()
    chain_valid = ma.fields.Boolean()
    events = ma.fields.List(ma.fields.Nested(EventOut))


class LabelOut(ma.Schema):
    serial = ma.fields.String()
    url = ma.fields.String()
    pin = ma.fields.String(allow_none=True)


class LabelsOut(ma.Schema):
    run_id = ma.fields.Integer()
    labels = ma.fields.List(ma.fields.Nested(LabelOut))


def _token(body: dict) -> str | None:
    return request.headers.get("Idempotency-Key") or body.get("client_token")


@blp.route("/batches")
class BatchesResource(MethodView):
    @blp.arguments(BatchCreate)
    @blp.response(201, BatchOut)
    @api_errors(401, 403, 404, 409, 422)
    @token_required(Role.COOPERATIVE)
    def post(self, body):
        """Mở một lô hàng cho sản phẩm của hợp tác xã (số lô theo GS1 AI 10; `Idempotency-Key` chống tạo trùng)."""
        batch = services.create_batch(api_user(), body, client_token=_token(body))
        db.session.commit()
        return batch_json(batch)


@blp.route("/batches/<code>")
class BatchResource(MethodView):
    @blp.response(200, BatchOut)
    @api_errors(401, 404)
    @token_required(Role.COOPERATIVE, Role.COMMUNE_STAFF, Role.ADMIN)
    def get(self, code: str):
        """Một lô hàng với các công đoạn và kết quả kiểm tra chuỗi băm (hợp tác xã chủ lô, cán bộ xã)."""
        return batch_json(get_visible_batch(api_user(), code))


@blp.route("/batches/<code>/events")
class EventsResource(MethodView):
    @blp.arguments(EventCreate)
    @blp.response(201, EventOut)
    @api_errors(401, 403, 404, 409, 422)
    @token_required(Role.COOPERATIVE)
    def post(self, body, code: str):
        """Ghi thêm một công đoạn (chỉ thêm, không sửa; sửa sai bằng sự kiện mới có `corrects`)."""
        user = api_user()
        batch = get_managed_batch(user, code)
        event = services.append_event(user, batch, body, client_token=_token(body))
        db.session.commit()
        return event_json(event)


@blp.route("/batches/<code>/labels")
class LabelsResource(MethodView):
    @blp.arguments(LabelsCreate)
    @blp.response(201, LabelsOut)
    @api_errors(401, 403, 404, 422)
    @token_required(Role.COOPERATIVE)
    def post(self, body, code: str):
        """Cấp `count` tem (tối đa 1.000 qua API; lô lớn hơn in qua trang tem của hợp tác xã)."""
        user = api_user()
        batch = get_managed_batch(user, code)
        run, issued = issue_labels(
            batch, body["count"], actor_id=user.id, with_pin=body["with_pin"], variant_id=body["variant_id"]
        )
        db.session.commit()
        return {"run_id": run.id, "labels": [{"serial": i.serial, "url": i.url, "pin": i.pin} for i in issued]}


@blp.route("/batches/<code>/epcis")
class EpcisResource(MethodView):
    @blp.response(200, description="EPCISDocument (JSON-LD)")
    @api_errors(401, 404)
    @token_required(Role.COOPERATIVE, Role.COMMUNE_STAFF, Role.ADMIN)
    def get(self, code: str):
        """Các công đoạn của lô dưới dạng tài liệu EPCIS 2.0 JSON-LD (ObjectEvent, bizStep/disposition theo CBV 2.0)."""
        batch = get_visible_batch(api_user(), code)
        return epcis_document(batch, current_app.config["PUBLIC_BASE_URL"], utcnow())
