"""A 300-product OCOP catalogue and 80+ queries buyers type, each naming the product(s) that should come first.

Used by the relevance test (quality floor on both databases) and by `make bench` (top-1 / top-3 hit rates).
Products sit in real communes; the fillers share words with the named products so ranking has work to do.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from catalog.models import Category
from catalog.search.indexing import sync_products
from marketplace.extensions import db
from tests.factories import make_cooperative, make_product

# key → (commune code, cooperative name)
COOPERATIVES = {
    "meo_vac": (769, "Hợp tác xã Nông nghiệp Mèo Vạc"),
    "dong_van": (721, "Hợp tác xã Cao nguyên đá"),
    "moc_chau": (3980, "Hợp tác xã Chè Mộc Châu"),
    "da_lat": (24778, "Hợp tác xã Rau hoa Lâm Viên"),
    "sa_pa": (3006, "Hợp tác xã Thảo dược Sa Pa"),
    "muong_lat": (14845, "Hợp tác xã Mường Lát Xanh"),
    "bac_ha": (2839, "Hợp tác xã Bắc Hà"),
    "trieu_son": (15664, "Hợp tác xã Triệu Sơn"),
    "lien_son": (4960, "Hợp tác xã Liên Sơn"),
    "ngoc_linh": (23365, "Hợp tác xã Dược liệu Ngọc Linh"),
    "bat_trang": (583, "Hợp tác xã Gốm Bát Tràng"),
    "phu_quoc": (31078, "Hợp tác xã Nước mắm Phú Quốc"),
    "tra_linh": (1447, "Hợp tác xã Trà Lĩnh"),
    "bao_lac": (1321, "Hợp tác xã Bảo Lạc"),
    "con_cuong": (17254, "Hợp tác xã Con Cuông"),
    "cao_phong": (5089, "Hợp tác xã Cam Cao Phong"),
    "mai_chau": (5200, "Hợp tác xã Dệt Mai Châu"),
    "luc_ngan": (7582, "Hợp tác xã Vải thiều Lục Ngạn"),
    "cat_hai": (11914, "Hợp tác xã Hải sản Cát Hải"),
    "cho_lach": (28870, "Hợp tác xã Chợ Lách"),
    "ba_be": (1906, "Hợp tác xã Ba Bể"),
    "tra_my": (20900, "Hợp tác xã Sâm Trà My"),
    "ly_son": (21548, "Hợp tác xã Tỏi Lý Sơn"),
    "tan_uyen": (3598, "Hợp tác xã Chè Tân Uyên"),
}


@dataclass(frozen=True)
class Item:
    name: str
    category: str
    coop: str
    stars: int | None
    price_vnd: int
    description: str


def _item(name, category, coop, stars=None, price=120_000, description="") -> Item:
    return Item(name, category, coop, stars, price, description or f"{name}, sản phẩm của hợp tác xã.")


NAMED = [
    _item("Nấm mèo khô Triệu Sơn", "nong-san-so-che", "trieu_son", 4, 125_000, "Nấm mèo thu hái trên thân gỗ mục."),
    _item("Nấm hương rừng sấy khô", "nong-san-so-che", "bao_lac", None, 260_000, "Nấm hương mọc tự nhiên."),
    _item("Nấm linh chi đỏ thái lát", "duoc-lieu-tuoi-kho", "ngoc_linh", 3, 450_000, "Linh chi trồng dưới tán rừng."),
    _item("Gạo Nàng Năm Roi", "nong-san-tuoi", "cho_lach", None, 38_000, "Gạo thơm vùng sông nước, hạt dài."),
    _item("Bưởi Năm Roi Chợ Lách", "nong-san-tuoi", "cho_lach", 4, 55_000, "Bưởi ngọt thanh, ít hạt."),
    _item("Chè Nam Trà My búp", "che-ca-phe", "tra_my", None, 180_000, "Chè búp hái sớm."),
    _item("Sâm Ngọc Linh củ tươi", "duoc-lieu-tuoi-kho", "ngoc_linh", 5, 2_500_000, "Sâm trồng trên núi Ngọc Linh."),
    _item("Sâm Nam Trà My ngâm mật ong", "duoc-lieu-tuoi-kho", "tra_my", 4, 1_800_000, "Sâm ngâm mật ong rừng."),
    _item("Mật ong bạc hà Mèo Vạc", "mat-ong", "meo_vac", 5, 380_000, "Mật ong từ hoa bạc hà trên cao nguyên đá."),
    _item("Mật ong rừng Con Cuông", "mat-ong", "con_cuong", 3, 320_000, "Mật ong khai thác từ rừng nguyên sinh."),
    _item("Mật ong hoa nhãn", "mat-ong", "lien_son", None, 210_000, "Mật ong nuôi giữa vườn nhãn."),
    _item("Sáp ong nguyên chất", "mat-ong", "dong_van", None, 90_000, "Sáp ong lọc từ tổ mật ong bạc hà."),
    _item("Phấn hoa mật ong", "mat-ong", "meo_vac", 3, 150_000, "Phấn hoa do ong thợ mang về."),
    _item("Chè Shan tuyết cổ thụ", "che-ca-phe", "tra_linh", 4, 520_000, "Chè từ cây hàng trăm năm tuổi."),
    _item("Chè Shan tuyết Tân Uyên", "che-ca-phe", "tan_uyen", 3, 240_000, "Chè búp non sao tay."),
    _item("Trà ô long Mộc Châu", "che-ca-phe", "moc_chau", 4, 300_000, "Trà ô long trồng trên cao nguyên."),
    _item("Chè xanh Mộc Châu", "che-ca-phe", "moc_chau", None, 120_000, "Chè xanh sao suốt."),
    _item("Trà hoa vàng Ba Bể", "thuc-pham-chuc-nang", "ba_be", 5, 900_000, "Trà hoa vàng sấy lạnh."),
    _item("Cà phê Arabica Cầu Đất", "che-ca-phe", "da_lat", 4, 280_000, "Cà phê rang mộc."),
    _item("Cao atiso Đà Lạt", "duoc-lieu-tuoi-kho", "da_lat", 3, 210_000, "Cao đặc từ hoa atiso."),
    _item("Trà atiso túi lọc", "thuc-pham-chuc-nang", "da_lat", None, 85_000, "Trà thảo dược mát gan."),
    _item("Dâu tây Đà Lạt", "nong-san-tuoi", "da_lat", None, 160_000, "Dâu tây trồng nhà kính."),
    _item("Dưa chuột muối chua", "thuc-pham-che-bien", "lien_son", 3, 45_000, "Dưa muối theo cách truyền thống."),
    _item("Đậu đỏ hữu cơ", "nong-san-so-che", "trieu_son", None, 60_000, "Đậu đỏ dùng nấu chè, nấu xôi."),
    _item("Đậu xanh không vỏ", "nong-san-so-che", "trieu_son", None, 55_000, "Đậu xanh nấu chè đậu xanh."),
    _item("Đường phèn mía", "gia-vi", "trieu_son", None, 40_000, "Đường phèn kết tinh từ mía."),
    _item("Rượu ngô men lá Bắc Hà", "do-uong-co-con", "bac_ha", 3, 150_000, "Rượu ngô nấu bằng men lá."),
    _item("Rượu táo mèo Sa Pa", "do-uong-co-con", "sa_pa", None, 130_000, "Táo mèo ngâm rượu."),
    _item("Rượu cần Mường Lát", "do-uong-co-con", "muong_lat", None, 170_000, "Rượu cần uống trong ngày hội."),
    _item("Khăn thổ cẩm dệt tay", "det-may-theu", "mai_chau", None, 90_000, "Khăn dệt tay của đồng bào Thái."),
    _item("Túi thổ cẩm Mai Châu", "det-may-theu", "mai_chau", 3, 150_000, "Túi đeo vai hoa văn thổ cẩm."),
    _item("Váy lanh Mông Đồng Văn", "det-may-theu", "dong_van", None, 650_000, "Vải lanh nhuộm chàm."),
    _item("Gạo nếp cái hoa vàng", "nong-san-tuoi", "lien_son", 4, 35_000, "Gạo nếp thơm dẻo, gói bánh chưng."),
    _item("Gạo tám thơm Điện Biên", "nong-san-tuoi", "lien_son", None, 32_000, "Gạo tám dẻo thơm."),
    _item("Bánh đa nem làng Chều", "thuc-pham-che-bien", "trieu_son", None, 30_000, "Bánh đa mỏng, cuốn nem."),
    _item("Bánh chưng gù Hà Giang", "thuc-pham-che-bien", "meo_vac", 3, 75_000, "Bánh chưng gói lá dong."),
    _item("Thịt trâu gác bếp", "thuc-pham-che-bien", "bac_ha", 4, 950_000, "Thịt trâu tẩm mắc khén, hun khói."),
    _item("Lạp xưởng gác bếp", "thuc-pham-che-bien", "muong_lat", None, 280_000, "Lạp xưởng hun khói bếp củi."),
    _item("Chả mực Cát Hải", "thuc-pham-che-bien", "cat_hai", 4, 420_000, "Chả mực giã tay."),
    _item("Mực khô Cát Hải", "thuc-pham-che-bien", "cat_hai", None, 900_000, "Mực câu phơi nắng."),
    _item("Nước mắm Phú Quốc 40 độ đạm", "gia-vi", "phu_quoc", 5, 150_000, "Nước mắm cá cơm ủ chượp."),
    _item("Hồ tiêu Phú Quốc", "gia-vi", "phu_quoc", 3, 190_000, "Tiêu sọ phơi khô."),
    _item("Tỏi cô đơn Lý Sơn", "gia-vi", "ly_son", 4, 350_000, "Tỏi một nhánh trồng trên cát."),
    _item("Hành tím Lý Sơn", "gia-vi", "ly_son", None, 70_000, "Hành tím củ nhỏ thơm."),
    _item("Ớt xanh Lý Sơn", "gia-vi", "ly_son", None, 60_000, "Ớt cay nồng."),
    _item("Cam Cao Phong", "nong-san-tuoi", "cao_phong", 4, 45_000, "Cam ngọt đậm, vỏ mỏng."),
    _item("Vải thiều Lục Ngạn", "nong-san-tuoi", "luc_ngan", 4, 50_000, "Vải thiều cùi dày hạt nhỏ."),
    _item("Vải thiều sấy khô", "nong-san-so-che", "luc_ngan", None, 140_000, "Vải sấy nguyên quả."),
    _item("Mận hậu Mộc Châu", "nong-san-tuoi", "moc_chau", None, 40_000, "Mận hậu giòn chua ngọt."),
    _item("Sữa chua Mộc Châu", "thuc-pham-che-bien", "moc_chau", 3, 8_000, "Sữa chua từ sữa bò tươi."),
    _item("Bình gốm men lam Bát Tràng", "gom-su", "bat_trang", 4, 680_000, "Bình vẽ tay men lam."),
    _item("Chén gốm Bát Tràng", "gom-su", "bat_trang", None, 45_000, "Chén uống trà."),
    _item("Ấm trà gốm men rạn", "gom-su", "bat_trang", 3, 320_000, "Ấm pha trà men rạn cổ."),
    _item("Giỏ mây đan tay", "may-tre-dan-go", "con_cuong", None, 110_000, "Giỏ đan từ mây rừng."),
    _item("Rổ tre Con Cuông", "may-tre-dan-go", "con_cuong", None, 60_000, "Rổ tre đan nan nhỏ."),
    _item("Lan hồ điệp chậu", "hoa-cay-canh", "da_lat", None, 450_000, "Lan hồ điệp ba cành."),
    _item("Tinh dầu sả chanh", "my-pham-thao-duoc", "ngoc_linh", 3, 95_000, "Tinh dầu chưng cất từ sả."),
    _item("Tinh dầu quế Bảo Lạc", "my-pham-thao-duoc", "bao_lac", None, 120_000, "Tinh dầu quế nguyên chất."),
    _item("Quế thanh Bảo Lạc", "gia-vi", "bao_lac", None, 80_000, "Vỏ quế phơi khô."),
    _item("Thảo quả khô Sa Pa", "gia-vi", "sa_pa", None, 220_000, "Thảo quả dưới tán rừng."),
    _item("Giảo cổ lam túi lọc", "thuc-pham-chuc-nang", "sa_pa", 3, 110_000, "Trà giảo cổ lam."),
    _item("Cao đinh lăng", "duoc-lieu-tuoi-kho", "ngoc_linh", None, 260_000, "Cao đặc từ rễ đinh lăng."),
    _item("Tinh bột nghệ vàng", "thuc-pham-chuc-nang", "lien_son", 4, 180_000, "Tinh bột nghệ lọc kỹ."),
    _item("Măng khô Bảo Lạc", "nong-san-so-che", "bao_lac", None, 240_000, "Măng nứa phơi khô."),
    _item("Miến dong Bắc Hà", "nong-san-so-che", "bac_ha", 3, 70_000, "Miến dong sợi dai."),
    _item("Mộc nhĩ đen", "nong-san-so-che", "ba_be", None, 150_000, "Mộc nhĩ phơi khô."),
    _item("Homestay nhà sàn Mai Châu", "du-lich-cong-dong", "mai_chau", None, 300_000, "Một đêm nhà sàn."),
    _item("Cá chép ruộng Tân Uyên", "thuc-pham-che-bien", "tan_uyen", None, 150_000, "Cá chép nuôi ruộng lúa."),
]

# query, the product(s) that should come first, what the query tests
QUERIES = [
    ("Nấm mèo", ["Nấm mèo khô Triệu Sơn"], "exact"),
    ("nấm", ["Nấm mèo khô Triệu Sơn", "Nấm hương rừng sấy khô", "Nấm linh chi đỏ thái lát"], "marks over folded"),
    ("năm roi", ["Bưởi Năm Roi Chợ Lách", "Gạo Nàng Năm Roi"], "marks over folded"),
    ("nam meo", ["Nấm mèo khô Triệu Sơn"], "unaccented"),
    ("NẤM MÈO KHÔ", ["Nấm mèo khô Triệu Sơn"], "mixed case"),
    ("nẤm HưƠnG", ["Nấm hương rừng sấy khô"], "mixed case"),
    ("nam huong", ["Nấm hương rừng sấy khô"], "unaccented"),
    ("nam huogn", ["Nấm hương rừng sấy khô"], "one typo"),
    ("huong nam", ["Nấm hương rừng sấy khô"], "two words swapped"),
    ("linh chi", ["Nấm linh chi đỏ thái lát"], "partial"),
    ("nấm linh", ["Nấm linh chi đỏ thái lát"], "partial"),
    ("buoi nam roi", ["Bưởi Năm Roi Chợ Lách"], "unaccented"),
    ("sam ngoc linh", ["Sâm Ngọc Linh củ tươi"], "unaccented"),
    ("sâm ngọc lịnh", ["Sâm Ngọc Linh củ tươi"], "wrong tone mark"),
    ("sam tra my", ["Sâm Nam Trà My ngâm mật ong"], "partial"),
    ("mật ong", ["Mật ong bạc hà Mèo Vạc", "Mật ong rừng Con Cuông", "Mật ong hoa nhãn"], "category words"),
    ("mật ong Hà Giang", ["Mật ong bạc hà Mèo Vạc"], "former province"),
    ("mat ong nghe an", ["Mật ong rừng Con Cuông"], "province words"),
    ("mật ong Phú Thọ", ["Mật ong hoa nhãn"], "province words"),
    ("mật ong Cà Mau", ["Mật ong bạc hà Mèo Vạc", "Mật ong rừng Con Cuông", "Mật ong hoa nhãn"], "no match there"),
    ("mat ong rung", ["Mật ong rừng Con Cuông"], "unaccented"),
    ("mat ongg", ["Mật ong bạc hà Mèo Vạc", "Mật ong rừng Con Cuông", "Mật ong hoa nhãn"], "one typo"),
    ("ong mat bac ha", ["Mật ong bạc hà Mèo Vạc"], "two words swapped"),
    ("meo vac", ["Mật ong bạc hà Mèo Vạc", "Phấn hoa mật ong", "Bánh chưng gù Hà Giang"], "commune words"),
    ("sap ong", ["Sáp ong nguyên chất"], "unaccented"),
    ("che shan tuyet", ["Chè Shan tuyết cổ thụ", "Chè Shan tuyết Tân Uyên"], "unaccented"),
    ("chè shan tuyết Cao Bằng", ["Chè Shan tuyết cổ thụ"], "province words"),
    ("chè shan lai châu", ["Chè Shan tuyết Tân Uyên"], "province words"),
    ("shan tuyte", ["Chè Shan tuyết cổ thụ", "Chè Shan tuyết Tân Uyên"], "one typo"),
    (
        "chè",
        ["Chè Shan tuyết cổ thụ", "Chè Shan tuyết Tân Uyên", "Chè xanh Mộc Châu", "Chè Nam Trà My búp"],
        "name over description",
    ),
    ("tra o long", ["Trà ô long Mộc Châu"], "unaccented"),
    ("trà hoa vàng", ["Trà hoa vàng Ba Bể"], "exact"),
    ("tra hao vang", ["Trà hoa vàng Ba Bể"], "one typo"),
    ("trà bắc kạn", ["Trà hoa vàng Ba Bể"], "former province"),
    ("ca phe", ["Cà phê Arabica Cầu Đất"], "unaccented"),
    ("cafe arabica", ["Cà phê Arabica Cầu Đất"], "other spelling"),
    ("atiso", ["Cao atiso Đà Lạt", "Trà atiso túi lọc"], "single word"),
    ("atisso", ["Cao atiso Đà Lạt", "Trà atiso túi lọc"], "one typo"),
    ("cao atiso", ["Cao atiso Đà Lạt"], "exact"),
    ("dau tay da lat", ["Dâu tây Đà Lạt"], "unaccented"),
    ("dua chuot", ["Dưa chuột muối chua"], "unaccented"),
    ("dưa chuọt", ["Dưa chuột muối chua"], "wrong tone mark"),
    ("dua chout", ["Dưa chuột muối chua"], "one typo"),
    ("dau do", ["Đậu đỏ hữu cơ"], "d/đ"),
    ("Đậu Đỏ", ["Đậu đỏ hữu cơ"], "mixed case"),
    ("DAU XANH", ["Đậu xanh không vỏ"], "d/đ"),
    ("duong phen", ["Đường phèn mía"], "d/đ"),
    ("đuong phen", ["Đường phèn mía"], "d/đ"),
    ("ruou ngo", ["Rượu ngô men lá Bắc Hà"], "unaccented"),
    ("rượu ngo", ["Rượu ngô men lá Bắc Hà"], "partial marks"),
    ("ruou tao meo", ["Rượu táo mèo Sa Pa"], "unaccented"),
    ("ruou muong lat", ["Rượu cần Mường Lát"], "commune words"),
    ("rượu lào cai", ["Rượu ngô men lá Bắc Hà", "Rượu táo mèo Sa Pa"], "province words"),
    ("tho cam", ["Khăn thổ cẩm dệt tay", "Túi thổ cẩm Mai Châu"], "unaccented"),
    ("khan tho cam", ["Khăn thổ cẩm dệt tay"], "unaccented"),
    ("tui tho cam mai chau", ["Túi thổ cẩm Mai Châu"], "commune words"),
    ("vay lanh", ["Váy lanh Mông Đồng Văn"], "unaccented"),
    ("gao nep", ["Gạo nếp cái hoa vàng"], "unaccented"),
    ("nep cai hoa vang", ["Gạo nếp cái hoa vàng"], "partial"),
    ("gạo tám", ["Gạo tám thơm Điện Biên"], "partial"),
    ("banh da nem", ["Bánh đa nem làng Chều"], "d/đ"),
    ("banh chung gu", ["Bánh chưng gù Hà Giang"], "unaccented"),
    ("thit trau gac bep", ["Thịt trâu gác bếp"], "unaccented"),
    ("gác bếp", ["Thịt trâu gác bếp", "Lạp xưởng gác bếp"], "partial"),
    ("trau gac bep", ["Thịt trâu gác bếp"], "partial"),
    ("cha muc", ["Chả mực Cát Hải"], "unaccented"),
    ("muc kho hai phong", ["Mực khô Cát Hải"], "province words"),
    ("nuoc mam phu quoc", ["Nước mắm Phú Quốc 40 độ đạm"], "unaccented"),
    ("nươc mắm", ["Nước mắm Phú Quốc 40 độ đạm"], "partial marks"),
    ("toi co don", ["Tỏi cô đơn Lý Sơn"], "d/đ"),
    ("toi ly son", ["Tỏi cô đơn Lý Sơn"], "commune words"),
    ("hanh tim", ["Hành tím Lý Sơn"], "unaccented"),
    ("cam cao phong", ["Cam Cao Phong"], "commune words"),
    ("cam hoà bình", ["Cam Cao Phong"], "former province"),
    ("vai thieu", ["Vải thiều Lục Ngạn", "Vải thiều sấy khô"], "unaccented"),
    ("vải thiều bắc giang", ["Vải thiều Lục Ngạn", "Vải thiều sấy khô"], "former province"),  # both from Lục Ngạn
    ("vai thieu say", ["Vải thiều sấy khô"], "partial"),
    ("man hau", ["Mận hậu Mộc Châu"], "unaccented"),
    ("sữa chua", ["Sữa chua Mộc Châu"], "exact"),
    ("binh gom", ["Bình gốm men lam Bát Tràng"], "unaccented"),
    ("gốm bát tràng", ["Bình gốm men lam Bát Tràng", "Chén gốm Bát Tràng"], "commune words"),
    ("am tra", ["Ấm trà gốm men rạn"], "unaccented"),
    ("Ấm Trà", ["Ấm trà gốm men rạn"], "mixed case"),
    ("gio may", ["Giỏ mây đan tay"], "unaccented"),
    ("ro tre", ["Rổ tre Con Cuông"], "unaccented"),
    ("lan ho diep", ["Lan hồ điệp chậu"], "d/đ"),
    ("tinh dau sa", ["Tinh dầu sả chanh"], "unaccented"),
    ("tinh dau que", ["Tinh dầu quế Bảo Lạc"], "unaccented"),
    ("thao qua", ["Thảo quả khô Sa Pa"], "unaccented"),
    ("giao co lam", ["Giảo cổ lam túi lọc"], "unaccented"),
    ("dinh lang", ["Cao đinh lăng"], "d/đ"),
    ("tinh bot nghe", ["Tinh bột nghệ vàng"], "unaccented"),
    ("mang kho", ["Măng khô Bảo Lạc"], "unaccented"),
    ("mien dong", ["Miến dong Bắc Hà"], "unaccented"),
    ("moc nhi", ["Mộc nhĩ đen"], "unaccented"),
    ("homestay", ["Homestay nhà sàn Mai Châu"], "category words"),
    ("ca chep ruong", ["Cá chép ruộng Tân Uyên"], "unaccented"),
    (
        "OCOP 5 sao",
        ["Sâm Ngọc Linh củ tươi", "Mật ong bạc hà Mèo Vạc", "Trà hoa vàng Ba Bể", "Nước mắm Phú Quốc 40 độ đạm"],
        "certified",
    ),
    ("mật ong OCOP", ["Mật ong bạc hà Mèo Vạc", "Mật ong rừng Con Cuông"], "certified"),
    ("chè OCOP 4 sao", ["Chè Shan tuyết cổ thụ", "Trà ô long Mộc Châu"], "certified"),
    ("nuoc mam 5 sao", ["Nước mắm Phú Quốc 40 độ đạm"], "certified"),
]

FILLER_BASES = (
    ("Bánh gai", "thuc-pham-che-bien"),
    ("Bánh cốm", "thuc-pham-che-bien"),
    ("Mứt gừng", "thuc-pham-che-bien"),
    ("Kẹo lạc", "thuc-pham-che-bien"),
    ("Chuối sấy", "nong-san-so-che"),
    ("Khoai lang", "nong-san-tuoi"),
    ("Vừng đen", "nong-san-so-che"),
    ("Hạt điều rang", "nong-san-so-che"),
    ("Mắm tôm", "gia-vi"),
    ("Tương ớt", "gia-vi"),
    ("Cá khô", "thuc-pham-che-bien"),
    ("Tôm khô", "thuc-pham-che-bien"),
    ("Bún khô", "nong-san-so-che"),
    ("Chổi đót", "may-tre-dan-go"),
    ("Nón lá", "luu-niem-trang-tri"),
    ("Nước ép dứa", "do-uong-khong-con"),
)
# names that fold like the named products' words (nam, năm, ong, che) or name places they come from
FILLER_WORDS = (
    "Nam Định",
    "Năm Căn",
    "Nam Bộ",
    "nấu nấm",
    "hữu cơ",
    "loại 1",
    "hộp quà",
    "truyền thống",
    "thủ công",
    "sấy lạnh",
    "VietGAP",
    "nhà làm",
    "vùng cao",
    "Tết",
    "Hà Giang",
)
FILLER_DESCRIPTIONS = (
    "Thu hoạch đúng vụ, sơ chế tại hợp tác xã; hợp ăn kèm nấm, chè, mật ong.",
    "Đạt chứng nhận VietGAP, có tem truy xuất nguồn gốc.",
    "Quà biếu Tết ý nghĩa, giao hàng toàn quốc qua bưu điện.",
    "Bảo quản nơi khô ráo, tránh ánh nắng; dùng với rượu, trà hoặc cà phê.",
)
CATALOGUE_SIZE = 300


def fillers() -> list[Item]:
    """Products that share words with the named ones (`Gạo Nam Định`, `Mật ong loại 1`): the ranking's rivals."""
    coops = sorted(COOPERATIVES)
    combos = itertools.product(FILLER_WORDS, FILLER_BASES)
    items = []
    for n, (word, (base, category)) in enumerate(combos):
        if len(NAMED) + len(items) >= CATALOGUE_SIZE:
            break
        stars = (None, None, 3, None, 4)[n % 5]  # five stars only among the named products
        description = FILLER_DESCRIPTIONS[n % len(FILLER_DESCRIPTIONS)]
        items.append(Item(f"{base} {word}", category, coops[n % len(coops)], stars, 20_000 + n * 1_000, description))
    return items


def build() -> dict[str, int]:
    """Every product of the catalogue, published and indexed; name → id of the named products."""
    categories = dict(db.session.execute(select(Category.slug, Category.id)).tuples().all())
    coops = {key: make_cooperative(name=name, commune_code=commune) for key, (commune, name) in COOPERATIVES.items()}
    ids = {}
    for item in [*NAMED, *fillers()]:
        product = make_product(
            coops[item.coop],
            name=item.name,
            category_id=categories[item.category],
            ocop_stars=item.stars,
            price_vnd=item.price_vnd,
            description=item.description,
        )
        ids[item.name] = product.id
    sync_products(ids.values())
    db.session.commit()
    return ids


@dataclass
class Score:
    top1: float
    top3: float
    misses: list[tuple[str, list[str], list[str]]]


def evaluate(first_names: Callable[[str], list[str]]) -> Score:
    """Hit rates of the queries: top-1 when the first result is expected, top-3 when one of the first three is."""
    top1 = top3 = 0
    misses = []
    for query, expected, _kind in QUERIES:
        names = first_names(query)[:3]
        top1 += bool(names) and names[0] in expected
        hit3 = any(name in expected for name in names)
        top3 += hit3
        if not (names and names[0] in expected):
            misses.append((query, expected, names))
    return Score(top1 / len(QUERIES), top3 / len(QUERIES), misses)
