"""What every JSON API module shares: the error body, `api_errors(...)` for documenting error answers, and the
page-of-items schema."""

from __future__ import annotations

from collections.abc import Callable

import marshmallow as ma
from flask_smorest import Blueprint

ERROR_DESCRIPTIONS = {
    400: "Yêu cầu không hợp lệ",
    401: "Chưa đăng nhập hoặc mã truy cập không hợp lệ",
    403: "Không có quyền",
    404: "Không tìm thấy",
    409: "Xung đột với trạng thái hiện tại",
    413: "Tệp quá lớn",
    422: "Dữ liệu không hợp lệ",
    429: "Quá nhiều yêu cầu",
}

# alt_response keeps no state on its blueprint: this one is never registered, it only lends the decorator.
_DOC = Blueprint("api_errors_doc", __name__)


class ErrorDetail(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE  # errors may carry details, e.g. the lines that are out of stock

    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    fields = ma.fields.Dict(metadata={"description": "Lỗi theo từng trường (422)"})


class ApiErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorDetail, required=True)


def api_errors(*statuses: int, descriptions: dict[int, str] | None = None) -> Callable:
    """Document that an operation may answer with these error statuses, each with the site's error body;
    `descriptions` words a status more precisely for this operation."""
    worded = ERROR_DESCRIPTIONS | (descriptions or {})

    def decorate(func: Callable) -> Callable:
        for status in statuses:
            func = _DOC.alt_response(status, schema=ApiErrorSchema, description=worded.get(status))(func)
        return func

    return decorate


class PageSchema(ma.Schema):
    """A page of a list: `{items, total, page}`; subclasses set `items`."""

    total = ma.fields.Integer(required=True)
    page = ma.fields.Integer(required=True)


def page_of(item_schema: type[ma.Schema], name: str) -> type[PageSchema]:
    """The page schema for lists of `item_schema` (`{items:[…], total, page}`)."""
    return PageSchema.from_dict({"items": ma.fields.List(ma.fields.Nested(item_schema))}, name=name)
