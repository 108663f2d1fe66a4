"""Checkout and shipping forms (CSRF through Flask-WTF); the rules live in orders.checkout."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class CheckoutForm(FlaskForm):
    token = HiddenField()
    name = StringField(_l("Họ tên người nhận"), validators=[DataRequired(), Length(max=120)])
    phone = StringField(_l("Số di động"), validators=[DataRequired(), Length(max=20)])
    address = StringField(_l("Địa chỉ (số nhà, thôn/xóm, đường)"), validators=[DataRequired(), Length(max=300)])
    note = TextAreaField(_l("Ghi chú cho hợp tác xã"), validators=[Length(max=500)])
    payment_method = RadioField(
        _l("Cách thanh toán"),
        choices=[
            ("vietqr", _l("Chuyển khoản bằng mã VietQR")),
            ("cod", _l("Trả tiền mặt khi nhận hàng")),
            ("stripe", _l("Thẻ quốc tế (Stripe)")),
        ],
        default="vietqr",
        validators=[DataRequired()],
    )


class ShipForm(FlaskForm):
    carrier = RadioField(
        _l("Đơn vị vận chuyển"),
        choices=[("vnpost", "VNPost"), ("viettelpost", "Viettel Post"), ("own", _l("Hợp tác xã tự giao"))],
        default="vnpost",
    )
    tracking_no = StringField(_l("Mã vận đơn"), validators=[Length(max=60)])
