"""Demo products for the four demo cooperatives, each with an OCOP certificate and a drawn photo."""

from __future__ import annotations

from datetime import timedelta

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from marketplace.config import PROJECT_ROOT
from marketplace.demo import demo_cooperative
from marketplace.extensions import db
from marketplace.text import fold, slugify, today_vn

from . import images as photos
from .models import Category, CertificationLevel, OcopCertificate, Product, ProductImage, ProductStatus
from .services import transition

# cooperative slug, name, category slug, unit, price, stock, weight g, stars, colour, description
DEMO_PRODUCTS = (
    (
        "htx-nam-meo-van-son",
        "Nấm mèo khô Vạn Sơn",
        "nong-san-so-che",
        "kg",
        180_000,
        120,
        1000,
        4,
        (74, 52, 40),
        "Nấm mèo (mộc nhĩ) trồng trên mùn cưa, sấy lạnh giữ độ giòn.\nNgâm 20 phút trước khi nấu.",
    ),
    (
        "htx-nam-meo-van-son",
        "Nấm mèo khô túi 200 g",
        "nong-san-so-che",
        "gói",
        42_000,
        300,
        220,
        3,
        (96, 66, 50),
        "Túi zip 200 g tiện dùng cho gia đình.",
    ),
    (
        "htx-nam-meo-van-son",
        "Nấm sò tươi",
        "nong-san-tuoi",
        "kg",
        45_000,
        40,
        1000,
        None,
        (210, 200, 180),
        "Nấm sò thu hái buổi sáng, giao trong ngày ở Thanh Hóa.",
    ),
    (
        "htx-chuoi-viba-lien-son",
        "Chuối Viba Liên Sơn",
        "nong-san-tuoi",
        "kg",
        25_000,
        500,
        1000,
        4,
        (236, 200, 60),
        "Chuối tiêu hồng giống Viba trồng theo VietGAP, chín tự nhiên.",
    ),
    (
        "htx-chuoi-viba-lien-son",
        "Chuối sấy dẻo Viba",
        "thuc-pham-che-bien",
        "hộp",
        65_000,
        80,
        300,
        3,
        (200, 150, 60),
        "Chuối Viba sấy dẻo, không đường, không chất bảo quản.",
    ),
    (
        "htx-rau-qua-nam-thuong",
        "Bí ngòi xanh nhà màng",
        "nong-san-tuoi",
        "kg",
        32_000,
        150,
        1000,
        None,
        (70, 140, 60),
        "Bí ngòi trồng trong nhà màng, tưới nhỏ giọt.",
    ),
    (
        "htx-rau-qua-nam-thuong",
        "Dưa chuột Nam Thượng",
        "nong-san-tuoi",
        "kg",
        22_000,
        200,
        1000,
        3,
        (90, 160, 80),
        "Dưa chuột giòn, hái trong ngày, không dùng thuốc trừ cỏ.",
    ),
    (
        "htx-mat-ong-muong-lat",
        "Mật ong rừng Mường Lát",
        "mat-ong",
        "chai",
        350_000,
        60,
        700,
        4,
        (200, 130, 20),
        "Mật ong rừng do đồng bào Mông, Thái khai thác thủ công ở vùng biên Mường Lát.",
    ),
    (
        "htx-mat-ong-muong-lat",
        "Chè shan tuyết cổ thụ",
        "che-ca-phe",
        "gói",
        220_000,
        90,
        250,
        5,
        (60, 110, 60),
        "Chè shan tuyết từ cây cổ thụ trên 100 năm tuổi, sao thủ công.",
    ),
)


def _font(size: int):
    try:
        return ImageFont.truetype(str(PROJECT_ROOT / "static" / "fonts" / "DejaVuSans-Bold.ttf"), size)
    except OSError:
        return ImageFont.load_default()


def draw_photo(name: str, colour: tuple[int, int, int]) -> Image.Image:
    """A simple product card: coloured background, a round 'product', the name."""
    image = Image.new("RGB", (1200, 900), tuple(min(255, c + 120) for c in colour))
    draw = ImageDraw.Draw(image)
    draw.ellipse((330, 140, 870, 620), fill=colour, outline=(255, 255, 255), width=12)
    draw.rectangle((0, 700, 1200, 900), fill=(31, 111, 67))
    draw.text((60, 740), name, font=_font(64), fill=(255, 255, 255))
    return image


def _add_photo(product: Product, colour) -> None:
    picture = draw_photo(product.name, colour)
    stem = slugify(product.name)[:40] + "-demo"
    photos.save_original(picture, product.id, stem)
    photos.make_variants(product.id, stem)
    db.session.add(
        ProductImage(
            product_id=product.id,
            position=1,
            stem=stem,
            width=picture.width,
            height=picture.height,
            variants_ready=True,
        )
    )


def seed_catalog() -> dict[str, int]:
    """Add each demo product once (looked up by slug) and publish it."""
    added = 0
    for coop_slug, name, category_slug, unit, price, stock, weight, stars, colour, description in DEMO_PRODUCTS:
        slug = slugify(name)
        cooperative = demo_cooperative(coop_slug)
        if cooperative is None or db.session.scalar(select(Product.id).where(Product.slug == slug)):
            continue
        category = db.session.scalar(select(Category).where(Category.slug == category_slug))
        product = Product(
            cooperative_id=cooperative.id,
            slug=slug,
            name=name,
            name_folded=fold(name),
            category_id=category.id if category else None,
            description=description,
            unit=unit,
            price_vnd=price,
            stock=stock,
            weight_g=weight,
            shelf_life_days=365,
            status=ProductStatus.DRAFT,
        )
        db.session.add(product)
        db.session.flush()
        if stars:
            issued = today_vn() - timedelta(days=200)
            db.session.add(
                OcopCertificate(
                    product_id=product.id,
                    stars=stars,
                    certificate_no=f"{100 + added}/QĐ-UBND",
                    level=CertificationLevel.NATIONAL if stars == 5 else CertificationLevel.PROVINCE,
                    issued_on=issued,
                    expires_on=OcopCertificate.standard_expiry(issued),
                )
            )
        _add_photo(product, colour)
        db.session.flush()
        transition(product, ProductStatus.PENDING_REVIEW, None)
        transition(product, ProductStatus.PUBLISHED, None, None)
        added += 1
    return {"sản phẩm mới": added}
