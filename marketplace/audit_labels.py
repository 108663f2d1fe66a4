"""What each audit-log action code means, in words an administrator reads (the one table of them)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "user.created": _l("Tạo tài khoản"),
    "user.role_changed": _l("Đổi vai trò tài khoản"),
    "account.phone_changed": _l("Đổi số di động của tài khoản (đã nhập mã)"),
    "account.email_changed": _l("Đổi e-mail của tài khoản (đã mở liên kết xác nhận)"),
    "account.password_set": _l("Đặt mật khẩu lần đầu cho tài khoản"),
    "cooperative.verified": _l("Xác minh hợp tác xã"),
    "cooperative.unverified": _l("Bỏ xác minh hợp tác xã"),
    "cooperative.rejected": _l("Từ chối hồ sơ người bán"),
    "cooperative.resubmitted": _l("Gửi lại hồ sơ người bán"),
    "cooperative.member_joined": _l("Thành viên gia nhập hợp tác xã"),
    "bank_account.change_requested": _l("Xin đổi tài khoản nhận tiền"),
    "bank_account.change_replaced": _l("Thay yêu cầu đổi tài khoản nhận tiền bằng yêu cầu mới"),
    "bank_account.change_verified": _l("Xác nhận tài khoản nhận tiền mới"),
    "bank_account.change_rejected": _l("Từ chối đổi tài khoản nhận tiền"),
    "bank_account.webhook_key_issued": _l("Tạo khoá thông báo ngân hàng"),
    "bank_account.webhook_key_rotated": _l("Thay khoá thông báo ngân hàng"),
    "cooperative.ownership_transferred": _l("Chuyển quyền chủ hợp tác xã"),
    "cooperative.owner_invited": _l("Mời chủ hợp tác xã"),
    "cooperative.imported": _l("Nhập hợp tác xã từ tệp Excel"),
    "category.saved": _l("Lưu danh mục"),
    "product.created": _l("Tạo sản phẩm"),
    "product.updated": _l("Sửa sản phẩm"),
    "product.variants_updated": _l("Sửa loại hàng, giá sỉ và mua tối thiểu"),
    "product.imported": _l("Nhập sản phẩm từ tệp Excel"),
    "supply.imported": _l("Nhập nguồn hàng theo mùa và nhu cầu từ phần mềm cung cầu của tỉnh"),
    "product.draft": _l("Đưa sản phẩm về bản nháp"),
    "product.pending_review": _l("Gửi sản phẩm chờ duyệt"),
    "product.published": _l("Duyệt và đăng bán sản phẩm"),
    "product.approved": _l("Duyệt sản phẩm"),
    "product.rejected": _l("Từ chối sản phẩm"),
    "product.archived": _l("Ngừng bán sản phẩm"),
    "revision.created": _l("Gửi bản chỉnh sửa sản phẩm"),
    "revision.approved": _l("Duyệt bản chỉnh sửa sản phẩm"),
    "revision.rejected": _l("Từ chối bản chỉnh sửa sản phẩm"),
    "reason.added": _l("Thêm lý do từ chối mẫu"),
    "payment.matched": _l("Ghép giao dịch chuyển khoản vào đơn"),
    "payment.matched_by_hand": _l("Ghép tay giao dịch chuyển khoản"),
    "order.refund_recorded": _l("Hoàn tiền cho đơn hàng"),
    "payout.recorded": _l("Ghi khoản chuyển tiền thẻ cho hợp tác xã"),
    "order.reopened": _l("Mở lại đơn nhờ tiền đến muộn"),
    "order.returned": _l("Nhận hàng trả lại vào kho"),
    "batch.created": _l("Mở lô hàng"),
    "batch.event_added": _l("Ghi sự kiện cho lô hàng"),
    "bank.created": _l("Thêm ngân hàng"),
    "bank.updated": _l("Sửa ngân hàng"),
    "bank.activated": _l("Bật ngân hàng"),
    "bank.deactivated": _l("Tắt ngân hàng"),
    "settings.changed": _l("Đổi cài đặt trang"),
}

OBJECT_LABELS = {
    "user": _l("Tài khoản"),
    "cooperative": _l("Hợp tác xã"),
    "category": _l("Danh mục"),
    "product": _l("Sản phẩm"),
    "payment": _l("Giao dịch"),
    "order": _l("Đơn hàng"),
    "batch": _l("Lô hàng"),
    "bank": _l("Ngân hàng"),
    "site_setting": _l("Cài đặt"),
    "reason_text": _l("Lý do mẫu"),
}


def action_label(code: str) -> str:
    """The words for an action code; an unknown code (an old entry) is shown as it is."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def object_label(code: str) -> str:
    label = OBJECT_LABELS.get(code)
    return str(label) if label is not None else code


DETAIL_LABELS = {
    "before": _l("Trước"),
    "after": _l("Sau"),
    "role": _l("Vai trò"),
    "email": _l("E-mail"),
    "name": _l("Tên"),
    "short_name": _l("Tên ngắn"),
    "order": _l("Đơn hàng"),
    "amount_vnd": _l("Số tiền (đồng)"),
    "created": _l("Đã tạo"),
    "skipped": _l("Bỏ qua"),
    "seq": _l("Số thứ tự"),
    "reason": _l("Lý do"),
    "text": _l("Nội dung"),
    "items": _l("Hàng"),
}

VALUE_LABELS = {
    "buyer": _l("người mua"),
    "cooperative": _l("thành viên hợp tác xã"),
    "commune_staff": _l("cán bộ xã"),
    "admin": _l("quản trị viên"),
}


def detail_label(key: str) -> str:
    label = DETAIL_LABELS.get(key)
    return str(label) if label is not None else key


def detail_value(value: object) -> str:
    """Role codes and the like in words; nothing as a dash; anything else as it is."""
    if value is None:
        return "—"
    label = VALUE_LABELS.get(value) if isinstance(value, str) else None
    return str(label) if label is not None else str(value)
