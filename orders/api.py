"""JSON API: POST /api/v1/checkout, GET /api/v1/orders/<id>, POST /api/v1/orders/<id>/cancel."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from marketplace.apiauth import api_user, bearer_token, token_required
from marketplace.apidoc import api_errors
from marketplace.extensions import db, limiter

from . import checkout as checkout_service
from . import queries, refunds, services
from .cart import MAX_ID
from .models import Checkout, Order
from .payments import GATEWAYS, get_gateway

blp = Blueprint("orders_api", __name__, url_prefix="/api/v1", description="Đặt hàng và thanh toán")


class ItemSchema(ma.Schema):
    product_id = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=MAX_ID))
    quantity = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=999))
    variant_id = ma.fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=ma.validate.Range(min=1, max=MAX_ID)
    )


class ShippingSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(max=120))
    phone = ma.fields.String(required=True, validate=ma.validate.Length(max=20))
    address = ma.fields.String(required=True, validate=ma.validate.Length(max=300))
    province = ma.fields.Raw(load_default=None)
    commune = ma.fields.Raw(required=True)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class CheckoutRequest(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ItemSchema), required=True, validate=ma.validate.Length(min=1, max=50))
    payment_method = ma.fields.String(
        required=True, validate=ma.validate.OneOf(GATEWAYS.ids(), error=_l("Không hợp lệ; chọn một trong: {choices}."))
    )
    shipping = ma.fields.Nested(ShippingSchema, required=True)


class OrderSummarySchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    cooperative = ma.fields.Dict()
    total_vnd = ma.fields.Integer()
    status = ma.fields.String()
    payment = ma.fields.Dict()


class CheckoutResponse(ma.Schema):
    checkout_id = ma.fields.String()
    orders = ma.fields.List(ma.fields.Nested(OrderSummarySchema))


class PaymentRecordSchema(ma.Schema):
    gateway = ma.fields.String()
    provider_reference = ma.fields.String()
    amount_vnd = ma.fields.Integer()
    status = ma.fields.String()
    at = ma.fields.DateTime()


class OrderSchema(OrderSummarySchema):
    created_at = ma.fields.DateTime()
    payment_method = ma.fields.String()
    subtotal_vnd = ma.fields.Integer()
    shipping_vnd = ma.fields.Integer()
    paid_vnd = ma.fields.Integer()
    expires_at = ma.fields.DateTime(allow_none=True)
    carrier = ma.fields.String(allow_none=True)
    tracking_no = ma.fields.String(allow_none=True)
    lines = ma.fields.List(ma.fields.Dict())
    history = ma.fields.List(ma.fields.Dict())
    payments = ma.fields.List(ma.fields.Nested(PaymentRecordSchema))
    refunds = ma.fields.List(ma.fields.Dict())
    refunded_vnd = ma.fields.Integer()


class RefundRequest(ma.Schema):
    amount_vnd = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=10**12))
    method = ma.fields.String(load_default="", validate=ma.validate.Length(max=20))
    reference = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


def order_summary(order: Order) -> dict:
    return {
        "id": order.id,
        "code": order.code,
        "cooperative": {"id": order.cooperative.id, "slug": order.cooperative.slug, "name": order.cooperative.name},
        "total_vnd": order.total_vnd,
        "status": str(order.status),
        "payment": get_gateway(order.payment_method).describe(order),
    }


def order_detail(order: Order) -> dict:
    data = order_summary(order)
    data.update(
        created_at=order.created_at,
        payment_method=str(order.payment_method),
        subtotal_vnd=order.subtotal_vnd,
        shipping_vnd=order.shipping_vnd,
        paid_vnd=order.paid_vnd,
        expires_at=order.expires_at,
        carrier=order.carrier,
        tracking_no=order.tracking_no,
        lines=[
            {
                "product_id": ln.product_id,
                "variant_id": ln.variant_id,
                "variant_name": ln.variant_name,
                "name": ln.product_name,
                "quantity": ln.quantity,
                "unit_price_vnd": ln.unit_price_vnd,
            }
            for ln in order.lines
        ],
        history=[
            {
                "from": ev.from_status,
                "to": ev.to_status,
                "by": ev.actor_label,
                "note": ev.note,
                "at": ev.at.isoformat(),
            }
            for ev in order.history
        ],
        payments=[
            {
                "gateway": p.gateway,
                "provider_reference": p.provider_reference,
                "amount_vnd": p.amount_vnd,
                "status": str(p.status),
                "at": p.at,
            }
            for p in order.payments
        ],
        refunds=refunds.as_json(order),
        refunded_vnd=refunds.refunded_vnd(order),
    )
    return data


def checkout_body(checkout: Checkout) -> dict:
    return {"checkout_id": checkout.public_id, "orders": [order_summary(o) for o in checkout.orders]}


@blp.route("/checkout")
class CheckoutResource(MethodView):
    decorators = [limiter.limit("600 per minute", methods=["POST"], key_func=lambda: bearer_token() or "anonymous")]

    @blp.arguments(CheckoutRequest)
    @blp.response(201, CheckoutResponse)
    @api_errors(401, 409, 422, 502)
    @token_required()
    def post(self, body):
        """Đặt hàng: một đơn cho mỗi hợp tác xã; gửi lại với cùng `Idempotency-Key` trả về đúng lần đặt đầu.

        409 `insufficient_stock`: không đủ hàng, không giữ gì cả. 502 `gateway_error`: đơn đã đặt nhưng cổng thanh
        toán chưa trả lời; gửi lại với cùng `Idempotency-Key` để thử lại."""
        items = [(item["product_id"], item["quantity"], item["variant_id"]) for item in body["items"]]
        placed = checkout_service.checkout(
            api_user(), items, body["payment_method"], body["shipping"], request.headers.get("Idempotency-Key", "")
        )
        response = checkout_body(placed)  # built before commit: nothing to reload afterwards
        db.session.commit()
        return response


@blp.route("/orders/<int:order_id>")
class OrderResource(MethodView):
    @blp.response(200, OrderSchema)
    @api_errors(401, 404)
    @token_required()
    def get(self, order_id: int):
        """Một đơn hàng của bạn (hoặc của hợp tác xã bạn), kèm các khoản đã trả."""
        return order_detail(queries.visible_order(api_user(), order_id=order_id))


@blp.route("/orders/<int:order_id>/cancel")
class OrderCancelResource(MethodView):
    @blp.response(200, OrderSchema)
    @api_errors(401, 404, 409)
    @token_required()
    def post(self, order_id: int):
        """Huỷ đơn (khi còn được huỷ); hàng được trả lại kho."""
        user = api_user()
        order = queries.visible_order(user, order_id=order_id)
        services.cancel_order(user, order)
        db.session.commit()
        return order_detail(order)


@blp.route("/orders/<int:order_id>/refunds")
class OrderRefundResource(MethodView):
    @blp.arguments(RefundRequest)
    @blp.response(201, OrderSchema)
    @api_errors(401, 403, 404, 422, 502)
    @token_required()
    def post(self, body, order_id: int):
        """Hoàn tiền (hợp tác xã bán đơn hoặc quản trị): qua Stripe thì chờ Stripe xác nhận; chuyển khoản (bắt buộc
        `reference`) hoặc tiền mặt thì ghi ngay. Gửi lại với cùng `Idempotency-Key` không hoàn hai lần."""
        user = api_user()
        order = queries.visible_order(user, order_id=order_id)
        refunds.request_refund(
            user,
            order,
            get_gateway(order.payment_method),
            body["amount_vnd"],
            method=body["method"],
            reference=body["reference"],
            reason=body["reason"],
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        )
        db.session.commit()
        return order_detail(order)
