"""JSON API of seller onboarding: apply, read an application, verify or reject it (docs/api.md "Sellers")."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from ..apiauth import api_user, token_required
from ..apidoc import api_errors
from ..extensions import db
from ..models import CooperativeKind, Role
from . import services

blp = Blueprint("sellers_api", __name__, url_prefix="/api/v1", description="Người bán: mở gian hàng và xác minh")


class BankBody(ma.Schema):
    bin = ma.fields.String(required=True, validate=ma.validate.Length(max=6))
    account_no = ma.fields.String(required=True, validate=ma.validate.Length(max=30))
    account_name = ma.fields.String(required=True, validate=ma.validate.Length(max=120))


class ApplicationBody(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([kind.value for kind in CooperativeKind]))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    registration_no = ma.fields.String(required=True, validate=ma.validate.Length(max=20))
    commune = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=2**31 - 1))
    address = ma.fields.String(required=True, validate=ma.validate.Length(max=300))
    phone = ma.fields.String(required=True, validate=ma.validate.Length(max=20))
    representative = ma.fields.String(required=True, validate=ma.validate.Length(max=120))
    bank = ma.fields.Nested(BankBody, required=True)


class ApplicationCreated(ma.Schema):
    slug = ma.fields.String(required=True)
    status = ma.fields.String(required=True)


class PendingBankChangeSchema(ma.Schema):
    bin = ma.fields.String()
    account_no = ma.fields.String()
    account_name = ma.fields.String()
    requested_at = ma.fields.DateTime()


class BankSchema(ma.Schema):
    bin = ma.fields.String(allow_none=True)
    account_no = ma.fields.String(allow_none=True)
    account_name = ma.fields.String(allow_none=True)
    status = ma.fields.String(
        metadata={"description": "`verified` khi người bán đã được xã xác minh, còn lại `pending`"}
    )
    pending_change = ma.fields.Nested(
        PendingBankChangeSchema,
        allow_none=True,
        metadata={"description": "tài khoản mới đang chờ cán bộ xã xác nhận (VietQR vẫn dùng tài khoản cũ)"},
    )


class CooperativeSchema(ma.Schema):
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"enum": [kind.value for kind in CooperativeKind]})
    commune = ma.fields.Integer(required=True)
    province = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, metadata={"enum": ["pending", "verified", "rejected"]})
    bank = ma.fields.Nested(BankSchema, required=True)


class ApplicationRejectBody(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(max=1000))


@blp.route("/cooperatives")
class CooperativesResource(MethodView):
    @blp.arguments(ApplicationBody)
    @blp.response(201, ApplicationCreated)
    @api_errors(401, 403, 409, 422)
    @token_required()
    def post(self, body):
        """Nộp hồ sơ mở gian hàng; người gọi thành chủ gian hàng, hồ sơ chờ xã xác minh (`pending`)."""
        bank = body["bank"]
        data = {
            key: body[key]
            for key in ("kind", "name", "registration_no", "commune", "address", "phone", "representative")
        }
        data.update(bank_bin=bank["bin"], account_no=bank["account_no"], account_holder=bank["account_name"])
        cooperative = services.apply(api_user(), data)
        db.session.commit()
        return {"slug": cooperative.slug, "status": str(cooperative.status)}


@blp.route("/cooperatives/<slug>")
class CooperativeResource(MethodView):
    @blp.response(200, CooperativeSchema)
    @api_errors(401, 404)
    @token_required()
    def get(self, slug: str):
        """Một người bán (thành viên của nó, cán bộ xã của nó, quản trị; người khác nhận 404)."""
        return services.cooperative_json(services.find_visible(api_user(), slug))


@blp.route("/cooperatives/<slug>/verify")
class VerifyResource(MethodView):
    @blp.response(200, CooperativeSchema)
    @api_errors(401, 403, 404, 422)
    @token_required(Role.COMMUNE_STAFF, Role.ADMIN)
    def post(self, slug: str):
        """Xác minh người bán (cán bộ của xã nó, quản trị); chủ gian hàng được báo."""
        cooperative = services.find_for_staff(api_user(), slug=slug)
        services.verify(api_user(), cooperative)
        db.session.commit()
        return services.cooperative_json(cooperative)


@blp.route("/cooperatives/<slug>/reject")
class RejectResource(MethodView):
    @blp.arguments(ApplicationRejectBody)
    @blp.response(200, CooperativeSchema)
    @api_errors(401, 403, 404, 409, 422)
    @token_required(Role.COMMUNE_STAFF, Role.ADMIN)
    def post(self, body, slug: str):
        """Từ chối hồ sơ đang chờ (cán bộ của xã nó, quản trị), kèm lý do; chủ gian hàng được báo để sửa và gửi lại."""
        cooperative = services.find_for_staff(api_user(), slug=slug)
        services.reject(api_user(), cooperative, body["reason"])
        db.session.commit()
        return services.cooperative_json(cooperative)
