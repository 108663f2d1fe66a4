"""Postmart.vn (Vietnam Post): no public seller API, so we write its bulk-upload sheet and a photo ZIP."""

from __future__ import annotations

from .sheets import SpreadsheetChannel, common_columns


class PostmartChannel(SpreadsheetChannel):
    id = "postmart"
    name = "Postmart (Bưu điện Việt Nam)"
    position = 30
    seller_centre = "https://postmart.vn"
    sheet_title = "Đăng sản phẩm"
    columns = common_columns(
        {
            "category": "Danh mục Postmart",
            "name": "Tên sản phẩm",
            "description": "Mô tả chi tiết",
            "sku": "Mã SKU người bán",
            "price": "Giá bán (VNĐ)",
            "stock": "Số lượng tồn kho",
            "unit": "Đơn vị tính",
            "image": "Link ảnh",
            "weight": "Khối lượng đóng gói (gram)",
            "length": "Dài (cm)",
            "width": "Rộng (cm)",
            "height": "Cao (cm)",
            "days_to_ship": "Thời gian chuẩn bị hàng (ngày)",
        }
    )
    # A starting list in Postmart's wording; the commune or the admin edits the mapping on /cooperative/channels.
    default_categories = (
        "Đặc sản vùng miền",
        "Nông sản tươi",
        "Nông sản khô",
        "Thực phẩm chế biến",
        "Đồ uống",
        "Chè, cà phê",
        "Dược liệu",
        "Thủ công mỹ nghệ",
        "Sản phẩm OCOP",
    )
    instructions = (
        "Tệp này được tạo bởi Chợ OCOP cho gian hàng trên Postmart.vn.",
        "1. Đăng nhập trang người bán Postmart (hoặc nhờ nhân viên bưu điện xã).",
        "2. Chọn đăng sản phẩm hàng loạt, tải mẫu của sàn nếu sàn yêu cầu, chép các cột của tệp này sang mẫu.",
        "3. Giải nén tệp ảnh .zip kèm theo: ảnh vuông, tên theo mã SKU (OCOP-123_1.jpg là ảnh bìa).",
        "4. Cột 'Mã SKU người bán' không được sửa: Chợ OCOP dùng nó để nhận ra sản phẩm khi đối chiếu.",
        "5. Sau khi sàn duyệt, xuất danh sách sản phẩm từ trang người bán và tải lên trang Kênh bán hàng,"
        " hoặc nhập mã sản phẩm và đường dẫn Postmart cho từng sản phẩm.",
    )


PLUGIN = PostmartChannel()
