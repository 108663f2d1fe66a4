"""WTForms' built-in messages in our own catalogue: WTForms ships no Vietnamese, so "This field is required." would
reach a Vietnamese page in English. Every FlaskForm in the app gets these through `install()`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

# WTForms' English message (its msgid) → our Vietnamese source string (English again in translations/en).
MESSAGES = {
    "This field is required.": _l("Vui lòng điền mục này."),
    "Invalid input.": _l("Giá trị không hợp lệ."),
    "Invalid email address.": _l("Địa chỉ e-mail không hợp lệ."),
    "Invalid URL.": _l("Địa chỉ trang web không hợp lệ."),
    "Invalid IP address.": _l("Địa chỉ IP không hợp lệ."),
    "Invalid Mac address.": _l("Địa chỉ MAC không hợp lệ."),
    "Invalid UUID.": _l("Mã UUID không hợp lệ."),
    "Invalid field name '%s'.": _l("Tên mục không hợp lệ: '%s'."),
    "Field must be equal to %(other_name)s.": _l("Phải trùng với %(other_name)s."),
    "Field must be at least %(min)d character long.": _l("Cần ít nhất %(min)d ký tự."),
    "Field cannot be longer than %(max)d character.": _l("Tối đa %(max)d ký tự."),
    "Field must be exactly %(max)d character long.": _l("Cần đúng %(max)d ký tự."),
    "Field must be between %(min)d and %(max)d characters long.": _l("Cần từ %(min)d đến %(max)d ký tự."),
    "Number must be at least %(min)s.": _l("Số phải từ %(min)s trở lên."),
    "Number must be at most %(max)s.": _l("Số không được lớn hơn %(max)s."),
    "Number must be between %(min)s and %(max)s.": _l("Số phải từ %(min)s đến %(max)s."),
    "Date must be at least %(min)s.": _l("Ngày phải từ %(min)s trở đi."),
    "Date must be at most %(max)s.": _l("Ngày không được sau %(max)s."),
    "Date must be between %(min)s and %(max)s.": _l("Ngày phải từ %(min)s đến %(max)s."),
    "Invalid value, must be one of: %(values)s.": _l("Giá trị không hợp lệ, phải là một trong: %(values)s."),
    "Invalid value, can't be any of: %(values)s.": _l("Giá trị không hợp lệ, không được là: %(values)s."),
    "This field cannot be edited.": _l("Không được sửa mục này."),
    "This field is disabled and cannot have a value.": _l("Mục này đang khoá, không nhận giá trị."),
    "Invalid CSRF Token.": _l("Biểu mẫu không hợp lệ, hãy tải lại trang và gửi lại."),
    "CSRF token missing.": _l("Biểu mẫu thiếu mã bảo mật, hãy tải lại trang và gửi lại."),
    "CSRF failed.": _l("Biểu mẫu không qua được kiểm tra bảo mật, hãy tải lại trang và gửi lại."),
    "CSRF token expired.": _l("Biểu mẫu đã hết hạn, hãy tải lại trang và gửi lại."),
    "Invalid Choice: could not coerce.": _l("Lựa chọn không hợp lệ."),
    "Choices cannot be None.": _l("Chưa có lựa chọn nào."),
    "Not a valid choice.": _l("Lựa chọn không hợp lệ."),
    "Invalid choice(s): one or more data inputs could not be coerced.": _l("Có lựa chọn không hợp lệ."),
    "'%(value)s' is not a valid choice for this field.": _l("'%(value)s' không phải lựa chọn hợp lệ."),
    "Not a valid datetime value.": _l("Ngày giờ không hợp lệ."),
    "Not a valid date value.": _l("Ngày không hợp lệ."),
    "Not a valid time value.": _l("Giờ không hợp lệ."),
    "Not a valid week value.": _l("Tuần không hợp lệ."),
    "Not a valid integer value.": _l("Hãy nhập một số nguyên."),
    "Not a valid decimal value.": _l("Hãy nhập một số."),
    "Not a valid float value.": _l("Hãy nhập một số."),
}


class FormTranslations:
    """The `gettext`/`ngettext` pair WTForms asks its meta for, answered from MESSAGES in the current locale."""

    def gettext(self, string: str) -> str:
        return str(MESSAGES.get(string, string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Vietnamese has one form; the singular msgid names it."""
        if singular in MESSAGES:
            return str(MESSAGES[singular])
        return singular if n == 1 else plural


TRANSLATIONS = FormTranslations()


def _get_translations(meta, form) -> FormTranslations:
    return TRANSLATIONS


def install() -> None:
    """Every FlaskForm (its Meta is shared by all subclasses that do not override it) speaks our catalogue."""
    FlaskForm.Meta.get_translations = _get_translations
