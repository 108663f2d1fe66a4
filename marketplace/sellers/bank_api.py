"""JSON API for a seller's bank account: request a change (owner), verify or reject it (commune staff), and the
seller's own key for bank notifications (owner)."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from marketplace.apiauth import api_user, bearer_token, token_required
from marketplace.apidoc import api_errors
from marketplace.extensions import db, limiter

from . import bank

blp = Blueprint(
    "seller_bank_api",
    __name__,
    url_prefix="/api/v1/cooperatives",
    description="Tài khoản nhận tiền của người bán và khoá thông báo ngân hàng",
)
LIMIT = limiter.limit("30 per minute", methods=["POST", "PUT"], key_func=lambda: bearer_token() or "anonymous")


class BankAccountRequest(ma.Schema):
    bin = ma.fields.String(required=True, validate=ma.validate.Length(min=6, max=6))
    account_no = ma.fields.String(required=True, validate=ma.validate.Length(max=30))
    account_name = ma.fields.String(load_default="", validate=ma.validate.Length(max=120))


class AccountSchema(ma.Schema):
    bin = ma.fields.String(allow_none=True)
    account_no = ma.fields.String(allow_none=True)
    account_name = ma.fields.String(allow_none=True)


class BankChangeSchema(ma.Schema):
    id = ma.fields.Integer(allow_none=True)
    status = ma.fields.String(
        required=True,
        metadata={"description": "pending (chờ xã xác nhận), verified, rejected; applied: hồ sơ chưa xác minh"},
    )
    bin = ma.fields.String()
    account_no = ma.fields.String()
    account_name = ma.fields.String()
    before = ma.fields.Nested(AccountSchema, allow_none=True)
    requested_at = ma.fields.DateTime(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    reason = ma.fields.String(allow_none=True)


class RejectRequest(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))


class WebhookKeySchema(ma.Schema):
    key = ma.fields.String(required=True, metadata={"description": "Chỉ hiện một lần; lưu ngay vào SePay/Casso"})
    webhook_url = ma.fields.String()
    header = ma.fields.String()


@blp.route("/<slug>/bank-account")
class BankAccountResource(MethodView):
    decorators = [LIMIT]

    @blp.arguments(BankAccountRequest)
    @blp.response(202, BankChangeSchema)
    @blp.alt_response(200, schema=BankChangeSchema, description="Hồ sơ chưa xác minh: sửa thẳng tài khoản")
    @api_errors(401, 403, 404, 422)
    @token_required()
    def put(self, body, slug: str):
        """Đổi tài khoản nhận tiền (chủ hợp tác xã): chờ cán bộ xã xác nhận; VietQR vẫn dùng tài khoản đã xác minh.

        Người bán chưa được xác minh thì sửa thẳng hồ sơ (200, `status: applied`). 422 `bank_account_taken`:
        tài khoản đã thuộc người bán khác."""
        cooperative = bank.find_cooperative(slug)
        change = bank.request_bank_change(
            api_user(), cooperative, body["bin"], body["account_no"], body.get("account_name")
        )
        if change is None:
            response = {"id": None, "status": "applied", **bank.live_account(cooperative), "before": None}
            db.session.commit()
            return response, 200
        response = bank.change_json(change)
        db.session.commit()
        return response


@blp.route("/<slug>/bank-account/verify")
class BankAccountVerifyResource(MethodView):
    decorators = [LIMIT]

    @blp.response(200, BankChangeSchema)
    @api_errors(401, 403, 404, 422)
    @token_required()
    def post(self, slug: str):
        """Cán bộ xã của xã đó (hoặc quản trị) xác nhận tài khoản mới: từ nay VietQR dùng tài khoản này."""
        change = bank.decide_bank_change(api_user(), bank.find_cooperative(slug), True)
        response = bank.change_json(change)
        db.session.commit()
        return response


@blp.route("/<slug>/bank-account/reject")
class BankAccountRejectResource(MethodView):
    decorators = [LIMIT]

    @blp.arguments(RejectRequest)
    @blp.response(200, BankChangeSchema)
    @api_errors(401, 403, 404, 422)
    @token_required()
    def post(self, body, slug: str):
        """Cán bộ xã từ chối yêu cầu đổi tài khoản, kèm lý do; tài khoản cũ giữ nguyên."""
        change = bank.decide_bank_change(api_user(), bank.find_cooperative(slug), False, body["reason"])
        response = bank.change_json(change)
        db.session.commit()
        return response


@blp.route("/<slug>/bank-webhook-key")
class WebhookKeyResource(MethodView):
    decorators = [LIMIT]

    @blp.response(201, WebhookKeySchema)
    @api_errors(401, 403, 404)
    @token_required()
    def post(self, slug: str):
        """Tạo (hoặc thay) khoá nhận thông báo chuyển khoản của người bán; khoá chỉ hiện một lần.

        Đặt trong SePay/Casso: URL `webhook_url`, header `Authorization: Apikey <key>`."""
        key = bank.issue_webhook_key(api_user(), bank.find_cooperative(slug))
        db.session.commit()
        return {"key": key, "webhook_url": bank.webhook_url(), "header": f"Authorization: Apikey {key}"}
