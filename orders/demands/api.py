"""JSON API: demands (`/api/v1/demands`), offers on them, acceptance (orders as checkout) and ratings."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from marketplace.apiauth import api_user, token_required
from marketplace.apidoc import api_errors
from marketplace.extensions import db

from ..api import ShippingSchema, order_summary
from ..payments import GATEWAYS
from . import acceptance, queries, services
from .presenters import offer_json

blp = Blueprint("demands_api", __name__, url_prefix="/api/v1", description="Kết nối cung cầu: nhu cầu và chào hàng")


class Loose(ma.Schema):
    """Fields are checked by the service, which names every wrong one in a translated 422."""

    class Meta:
        unknown = ma.EXCLUDE


class DemandRequest(Loose):
    title = ma.fields.String(required=True)
    category = ma.fields.Raw(load_default=None)
    quantity = ma.fields.Raw(required=True)
    unit = ma.fields.String(required=True)
    needed_by = ma.fields.String(load_default=None, allow_none=True)
    weekday = ma.fields.Raw(load_default=None, allow_none=True)
    schedule_from = ma.fields.String(load_default=None, allow_none=True)
    schedule_to = ma.fields.String(load_default=None, allow_none=True)
    province = ma.fields.Raw(required=True)
    commune = ma.fields.Raw(load_default=None, allow_none=True)
    max_price_vnd = ma.fields.Raw(load_default=None, allow_none=True)
    min_ocop_stars = ma.fields.Raw(load_default=None, allow_none=True)
    quality_note = ma.fields.String(load_default="")
    offers_deadline = ma.fields.String(load_default=None, allow_none=True)
    note = ma.fields.String(load_default="")


class DemandListArgs(Loose):
    province = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=10**6))
    category = ma.fields.String(load_default=None)
    status = ma.fields.String(load_default="open", validate=ma.validate.OneOf(["open", "closed"]))
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=10_000))


class OfferRequest(Loose):
    price_vnd = ma.fields.Raw(required=True)
    quantity = ma.fields.Raw(required=True)
    deliver_by = ma.fields.String(required=True)
    note = ma.fields.String(load_default="")
    product_id = ma.fields.Raw(load_default=None, allow_none=True)
    variant_id = ma.fields.Raw(load_default=None, allow_none=True)
    valid_until = ma.fields.String(load_default=None, allow_none=True)


class AcceptRequest(ma.Schema):
    payment_method = ma.fields.String(
        required=True, validate=ma.validate.OneOf(GATEWAYS.ids(), error=_l("Không hợp lệ; chọn một trong: {choices}."))
    )
    shipping = ma.fields.Nested(ShippingSchema, required=True)


class RatingRequest(ma.Schema):
    stars = ma.fields.Integer(required=True, strict=True)
    comment = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


@blp.route("/demands")
class DemandsResource(MethodView):
    @blp.arguments(DemandListArgs, location="query")
    @blp.response(200)
    def get(self, args):
        """Nhu cầu đang mở (lọc theo tỉnh, danh mục); không có thông tin liên hệ của người mua."""
        query = queries.public_filter(args["province"], args["category"], args["status"])
        rows, total, counts = queries.page_of(query, args["page"])
        return {
            "items": [queries.public_item(d, counts.get(d.id, 0)) for d in rows],
            "total": total,
            "page": args["page"],
        }

    @blp.arguments(DemandRequest)
    @blp.response(201)
    @api_errors(401, 403, 422)
    @token_required()
    def post(self, body):
        """Đăng nhu cầu (người mua doanh nghiệp đã xác minh): một ngày cần hàng hoặc lịch giao hằng tuần."""
        demand = services.post_demand(api_user(), body)
        db.session.commit()
        return {"id": demand.id, "status": str(demand.status)}


@blp.route("/demands/<int:demand_id>/offers")
class OffersResource(MethodView):
    @blp.response(200)
    @api_errors(401, 403, 404)
    @token_required()
    def get(self, demand_id: int):
        """Chào hàng của nhu cầu: người đăng thấy tất cả, người bán thấy của mình."""
        user = api_user()
        demand, offers = acceptance.offers_for(user, demand_id)
        return {"items": [offer_json(user, row) for row in acceptance.compare_offers(demand, offers)]}

    @blp.arguments(OfferRequest)
    @blp.response(201)
    @api_errors(401, 403, 404, 409, 422)
    @token_required()
    def post(self, body, demand_id: int):
        """Gửi chào hàng (người bán đã được xã xác minh)."""
        offer = services.make_offer(api_user(), demand_id, body)
        db.session.commit()
        return {"id": offer.id}


@blp.route("/offers/<int:offer_id>/accept")
class AcceptResource(MethodView):
    @blp.arguments(AcceptRequest)
    @blp.response(201)
    @api_errors(401, 404, 409, 422)
    @token_required()
    def post(self, body, offer_id: int):
        """Nhận chào hàng (người đăng nhu cầu): đặt đơn theo giá chào, mỗi ngày giao một đơn."""
        orders = acceptance.accept_offer(
            api_user(), offer_id, body["payment_method"], body["shipping"], request.headers.get("Idempotency-Key", "")
        )
        response = {"orders": [order_summary(order) for order in orders]}
        db.session.commit()
        return response


@blp.route("/offers/<int:offer_id>/withdraw")
class WithdrawResource(MethodView):
    @blp.response(200)
    @api_errors(401, 404, 409)
    @token_required()
    def post(self, offer_id: int):
        """Rút chào hàng khi chưa được nhận."""
        offer = services.withdraw_offer(api_user(), offer_id)
        db.session.commit()
        return {"id": offer.id, "status": str(offer.status)}


@blp.route("/offers/<int:offer_id>/ratings")
class RatingResource(MethodView):
    @blp.arguments(RatingRequest)
    @blp.response(201)
    @api_errors(401, 404, 409, 422)
    @token_required()
    def post(self, body, offer_id: int):
        """Đánh giá bên kia sau khi giao hàng (mỗi bên một lần)."""
        rating = acceptance.rate(api_user(), offer_id, body["stars"], body["comment"])
        db.session.commit()
        return {"id": rating.id, "side": str(rating.side), "stars": rating.stars}
