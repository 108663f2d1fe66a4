"""Checkout and shipping forms (CSRF through Flask-WTF); the rules live in orders.checkout, the payment choices
in orders.payments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from .payments import enabled_gateways


class CheckoutForm(FlaskForm):
    token = HiddenField()
    name = StringField(_l("Họ tên người nhận"), validators=[DataRequired(), Length(max=120)])
    phone = StringField(_l("Số di động"), validators=[DataRequired(), Length(max=20)])
    address = StringField(_l("Địa chỉ (số nhà, thôn/xóm, đường)"), validators=[DataRequired(), Length(max=300)])
    note = TextAreaField(_l("Ghi chú cho hợp tác xã"), validators=[Length(max=500)])
    payment_method = RadioField(_l("Cách thanh toán"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        offered = enabled_gateways()
        self.payment_method.choices = [(gateway.id, gateway.label) for gateway in offered]
        if self.payment_method.data is None and offered:
            self.payment_method.data = offered[0].id


class ShipForm(FlaskForm):
    carrier = RadioField(
        _l("Đơn vị vận chuyển"),
        choices=[("vnpost", "VNPost"), ("viettelpost", "Viettel Post"), ("own", _l("Hợp tác xã tự giao"))],
        default="vnpost",
    )
    tracking_no = StringField(_l("Mã vận đơn"), validators=[Length(max=60)])
