"""Voso.vn (Viettel Post, seller centre mc.voso.vn): no public seller API, so we write an upload sheet."""

from __future__ import annotations

from .sheets import SpreadsheetChannel, common_columns


class VosoChannel(SpreadsheetChannel):
    id = "voso"
    name = "Voso (Viettel Post)"
    position = 40
    seller_centre = "https://mc.voso.vn"
    sheet_title = "Sản phẩm"
    columns = common_columns(
        {
            "category": "Ngành hàng",
            "name": "Tên sản phẩm",
            "description": "Mô tả sản phẩm",
            "sku": "SKU sản phẩm",
            "price": "Giá (VNĐ)",
            "stock": "Kho hàng",
            "unit": "Đơn vị",
            "image": "Hình ảnh",
            "weight": "Cân nặng sau đóng gói (gram)",
            "length": "Chiều dài (cm)",
            "width": "Chiều rộng (cm)",
            "height": "Chiều cao (cm)",
            "days_to_ship": "Số ngày chuẩn bị hàng",
        }
    )
    default_categories = (
        "Đặc sản địa phương",
        "Nông sản",
        "Thực phẩm khô",
        "Thực phẩm chế biến",
        "Đồ uống",
        "Trà, cà phê",
        "Sức khỏe - Dược liệu",
        "Thủ công mỹ nghệ",
        "Sản phẩm OCOP",
    )
    instructions = (
        "Tệp này được tạo bởi Chợ OCOP cho gian hàng trên Voso.vn (trang người bán mc.voso.vn).",
        "1. Đăng nhập mc.voso.vn (hoặc nhờ nhân viên bưu cục Viettel Post).",
        "2. Vào Quản lý sản phẩm → Thêm sản phẩm hàng loạt, chép các cột của tệp này sang mẫu của sàn.",
        "3. Giải nén tệp ảnh .zip kèm theo: ảnh vuông, tên theo mã SKU (OCOP-123_1.jpg là ảnh bìa).",
        "4. Cột 'SKU sản phẩm' không được sửa: Chợ OCOP dùng nó để nhận ra sản phẩm khi đối chiếu.",
        "5. Sau khi sàn duyệt, xuất danh sách sản phẩm từ mc.voso.vn và tải lên trang Kênh bán hàng,"
        " hoặc nhập mã sản phẩm và đường dẫn Voso cho từng sản phẩm.",
    )


PLUGIN = VosoChannel()
