"""The application form (the province → commune picker is read from the request, as at checkout)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField
from wtforms.validators import Length

from ..models import CooperativeKind
from .services import KIND_LABELS


def _at_most(n: int) -> Length:
    return Length(max=n, message=_l("Tối đa %(max)d ký tự."))


class ApplicationForm(FlaskForm):
    kind = SelectField(
        _l("Loại hình"),
        choices=[(kind.value, KIND_LABELS[kind]) for kind in CooperativeKind],
        default=CooperativeKind.HTX.value,
    )
    name = StringField(_l("Tên gian hàng (tên trên giấy đăng ký)"), validators=[_at_most(200)])
    registration_no = StringField(_l("Mã số đăng ký / mã số thuế"), validators=[_at_most(20)])
    address = StringField(_l("Địa chỉ (thôn, xóm, số nhà)"), validators=[_at_most(300)])
    phone = StringField(_l("Số điện thoại liên hệ"), validators=[_at_most(20)])
    representative = StringField(_l("Người đại diện"), validators=[_at_most(120)])
    bank_bin = SelectField(_l("Ngân hàng"), choices=[], validate_choice=False)
    account_no = StringField(_l("Số tài khoản"), validators=[_at_most(30)])
    account_holder = StringField(_l("Tên chủ tài khoản"), validators=[_at_most(120)])
    registration_doc = FileField(_l("Ảnh giấy chứng nhận đăng ký (không bắt buộc)"))
    ocop_doc = FileField(_l("Ảnh giấy chứng nhận OCOP (không bắt buộc)"))
