"""WTForms for the marketplace core (CSRF comes with FlaskForm)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired()])
    remember = BooleanField(_l("Ghi nhớ đăng nhập"))


class RegisterForm(FlaskForm):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email()])
    phone = StringField(_l("Số điện thoại"), validators=[Optional(), Length(max=20)])
    password = PasswordField(_l("Mật khẩu (ít nhất 8 ký tự)"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(
        _l("Nhập lại mật khẩu"), validators=[DataRequired(), EqualTo("password", message=_l("Mật khẩu không khớp."))]
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email()])


class EmailForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(
        _l("Nhập lại mật khẩu"), validators=[DataRequired(), EqualTo("password", message=_l("Mật khẩu không khớp."))]
    )


class AcceptInvitationForm(FlaskForm):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=120)])
    password = PasswordField(_l("Mật khẩu"), validators=[Optional(), Length(min=8, max=200)])


class CooperativeForm(FlaskForm):
    name = StringField(_l("Tên hợp tác xã / hộ sản xuất"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Địa chỉ"), validators=[Optional(), Length(max=300)])
    phone = StringField(_l("Số điện thoại"), validators=[Optional(), Length(max=20)])
    description = TextAreaField(_l("Giới thiệu"), validators=[Optional(), Length(max=5000)])
    bank_bin = SelectField(_l("Ngân hàng"), choices=[], validate_choice=False)
    account_no = StringField(_l("Số tài khoản"), validators=[Optional(), Length(max=19)])
    account_holder = StringField(_l("Chủ tài khoản"), validators=[Optional(), Length(max=120)])
    shipping_flat_vnd = StringField(_l("Phí giao hàng cố định (đồng)"), validators=[Optional(), Length(max=12)])
    shipping_per_kg_vnd = StringField(
        _l("Phí thêm cho mỗi kg (đồng, 0 nếu không tính theo cân nặng)"), validators=[Optional(), Length(max=12)]
    )


class ConfirmForm(FlaskForm):
    """A yes-I-mean-it box before a change that cannot be taken back by the one who makes it."""

    confirm = BooleanField(_l("Tôi hiểu và muốn tiếp tục"), validators=[DataRequired()])


class InviteForm(FlaskForm):
    email = StringField(_l("E-mail hoặc số di động người được mời"), validators=[DataRequired(), Length(max=254)])


class StaffForm(FlaskForm):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Mật khẩu ban đầu"), validators=[DataRequired(), Length(min=8, max=200)])
    province = SelectField(
        _l("Tỉnh/thành phố"), choices=[], validate_choice=False, validators=[DataRequired(_l("Chọn tỉnh/thành phố."))]
    )
    commune = SelectField(
        _l("Xã/phường/đặc khu"), choices=[], validate_choice=False, validators=[DataRequired(_l("Chọn xã/phường."))]
    )

    def validate_commune(self, field: SelectField) -> None:
        """The commune must be one of the chosen province's (the choices hold only those)."""
        if field.data not in {value for value, _label in field.choices if value}:
            raise ValidationError(_l("Xã này không thuộc tỉnh đã chọn."))


class PhoneForm(FlaskForm):
    phone = StringField(_l("Số điện thoại di động"), validators=[DataRequired(), Length(max=30)])


class CodeForm(FlaskForm):
    code = StringField(_l("Mã gồm 6 chữ số"), validators=[Optional(), Length(max=12)])


class NameForm(FlaskForm):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=120)])


class AddressForm(FlaskForm):
    name = StringField(_l("Họ tên người nhận"), validators=[DataRequired(), Length(max=120)])
    phone = StringField(_l("Số di động"), validators=[DataRequired(), Length(max=20)])
    address = StringField(_l("Địa chỉ (số nhà, thôn/xóm, đường)"), validators=[DataRequired(), Length(max=300)])
    is_default = BooleanField(_l("Dùng làm địa chỉ mặc định"))
