"""JSON API root: tokens and administrative units. Other packages add their own blueprints under /api/v1."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint
from sqlalchemy import select

from . import otp, services
from .apiauth import api_user, bearer_token, token_required
from .apidoc import api_errors
from .errors import NotFound
from .extensions import db, limiter
from .models import OtpPurpose, Province
from .units import search_communes

blp = Blueprint("auth_api", __name__, url_prefix="/api/v1", description="Xác thực và đơn vị hành chính")


class TokenRequest(ma.Schema):
    """E-mail and password, or a phone and the one-time code sent to it (`POST /auth/otp`)."""

    email = ma.fields.String(validate=ma.validate.Length(max=254))
    password = ma.fields.String(validate=ma.validate.Length(max=1024))
    phone = ma.fields.String(validate=ma.validate.Length(max=30))
    code = ma.fields.String(validate=ma.validate.Length(max=12))
    name = ma.fields.String(load_default="api", validate=ma.validate.Length(max=80))

    @ma.validates_schema
    def _one_way(self, data, **kwargs):
        by_code = "phone" in data or "code" in data
        if by_code and ("email" in data or "password" in data):
            raise ma.ValidationError(_("Gửi e-mail và mật khẩu, hoặc số điện thoại và mã (không cả hai)."))
        needed = ("phone", "code") if by_code else ("email", "password")
        missing = [name for name in needed if name not in data]
        if missing:
            raise ma.ValidationError({name: [_("Bắt buộc.")] for name in missing})


class OtpRequest(ma.Schema):
    phone = ma.fields.String(required=True, validate=ma.validate.Length(max=30))


class OtpResponse(ma.Schema):
    sent = ma.fields.Boolean()
    retry_after = ma.fields.Integer()


class TokenResponse(ma.Schema):
    token = ma.fields.String(required=True)
    token_type = ma.fields.String()
    user = ma.fields.Dict()


class MeSchema(ma.Schema):
    id = ma.fields.Integer()
    email = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    full_name = ma.fields.String()
    role = ma.fields.String()
    cooperative = ma.fields.Dict(allow_none=True)
    commune_code = ma.fields.Integer(allow_none=True)


class ProvinceSchema(ma.Schema):
    code = ma.fields.Integer()
    name = ma.fields.String()
    slug = ma.fields.String()


class CommuneSchema(ma.Schema):
    code = ma.fields.Integer()
    name = ma.fields.String()
    province_code = ma.fields.Integer()


class CommuneQuery(ma.Schema):
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))


def user_summary(user) -> dict:
    cooperative = user.cooperative
    return {
        "id": user.id,
        "email": user.email,
        "phone": user.phone,
        "full_name": user.full_name,
        "role": str(user.role),
        "cooperative": {"id": cooperative.id, "slug": cooperative.slug, "name": cooperative.name}
        if cooperative
        else None,
        "commune_code": user.commune_code,
    }


@blp.route("/auth/token")
class TokenResource(MethodView):
    decorators = [limiter.limit("10 per minute;60 per hour", methods=["POST"])]

    @blp.arguments(TokenRequest)
    @blp.response(201, TokenResponse)
    @api_errors(
        401,
        422,
        429,
        descriptions={
            401: "Sai e-mail hoặc mật khẩu, hoặc sai mã (`tries_left`: số lần thử còn lại)",
            429: "Quá nhiều lần thử",
        },
    )
    def post(self, body):
        """Đổi e-mail và mật khẩu, hoặc số điện thoại và mã một lần, lấy mã truy cập (Bearer)."""
        if "phone" in body:
            try:
                user = otp.sign_in_with_code(body["phone"], body["code"])
            except otp.OtpRejected:
                db.session.commit()  # the try counts
                raise
        else:
            user = services.authenticate(body["email"], body["password"])
        token = services.issue_api_token(user, body["name"])
        db.session.commit()
        return {"token": token, "token_type": "Bearer", "user": user_summary(user)}

    @blp.response(204)
    @api_errors(401)
    @token_required()
    def delete(self):
        """Thu hồi mã truy cập đang dùng."""
        services.revoke_token(bearer_token())
        db.session.commit()


@blp.route("/auth/otp")
class OtpResource(MethodView):
    decorators = [limiter.limit("10 per minute;60 per hour", methods=["POST"])]

    @blp.arguments(OtpRequest)
    @blp.response(202, OtpResponse)
    @api_errors(422, 429, descriptions={429: "Gửi quá nhiều mã; `retry_after`: số giây phải chờ"})
    def post(self, body):
        """Gửi mã đăng nhập 6 chữ số tới số di động (SMS/Zalo); đổi mã lấy mã truy cập ở `POST /auth/token`."""
        sent = otp.send_code(body["phone"], OtpPurpose.SIGN_IN, get_remote_address() or "")
        db.session.commit()
        return {"sent": True, "retry_after": sent.retry_after}


@blp.route("/me")
class MeResource(MethodView):
    @blp.response(200, MeSchema)
    @api_errors(401)
    @token_required()
    def get(self):
        """Tài khoản của mã truy cập."""
        return user_summary(api_user())


@blp.route("/provinces")
class ProvincesResource(MethodView):
    @blp.response(200, ProvinceSchema(many=True))
    def get(self):
        """34 tỉnh, thành phố (sau sắp xếp năm 2025)."""
        return db.session.scalars(select(Province).order_by(Province.name_folded)).all()


@blp.route("/provinces/<int:code>/communes")
class CommunesResource(MethodView):
    @blp.arguments(CommuneQuery, location="query")
    @blp.response(200, CommuneSchema(many=True))
    @api_errors(404)
    def get(self, args, code: int):
        """Xã, phường, đặc khu của một tỉnh; `q` lọc theo tên, không cần dấu."""
        if db.session.get(Province, code) is None:
            raise NotFound(_("Không tìm thấy tỉnh/thành phố."))
        return search_communes(db.session, code, args["q"], limit=600)
