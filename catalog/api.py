"""Product API under /api/v1 (docs/api.md): listing and search, categories, create, photos, review."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import select

from marketplace.apiauth import api_user, token_required
from marketplace.apidoc import api_errors, page_of
from marketplace.errors import NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Province, Role
from marketplace.urls import public_url

from . import services
from .images import media_url, original_key, read_upload
from .models import Category, Product, ProductStatus, ProductVariant
from .queries import get_managed_product, get_product, get_visible_product, load_published
from .search import SearchQuery, get_backend
from .validation import find_category

blp = Blueprint("catalog_api", __name__, url_prefix="/api/v1", description="Sản phẩm và danh mục")


class ProductQuery(ma.Schema):
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    province = ma.fields.String(load_default=None, validate=ma.validate.Length(max=100))
    commune = ma.fields.Integer(load_default=None)
    category = ma.fields.String(load_default=None, validate=ma.validate.Length(max=120))
    ocop_stars = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=3, max=5))
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1000))
    per_page = ma.fields.Integer(load_default=24, validate=ma.validate.Range(min=1, max=100))


class CooperativeRef(ma.Schema):
    slug = ma.fields.String()
    name = ma.fields.String()


class ProductItem(ma.Schema):
    id = ma.fields.Integer()
    slug = ma.fields.String()
    name = ma.fields.String()
    price_vnd = ma.fields.Integer()
    unit = ma.fields.String()
    stock = ma.fields.Integer()
    ocop_stars = ma.fields.Integer(allow_none=True)
    cooperative = ma.fields.Nested(CooperativeRef)
    commune = ma.fields.String()
    province = ma.fields.String()
    url = ma.fields.String()


class TierSchema(ma.Schema):
    min_quantity = ma.fields.Integer(required=True)
    price_vnd = ma.fields.Raw(required=True)


class VariantSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    id = ma.fields.Integer(load_default=None, allow_none=True)
    name = ma.fields.String(required=True)
    price_vnd = ma.fields.Raw(required=True)
    stock = ma.fields.Raw(load_default=0)
    weight_g = ma.fields.Raw(load_default=0)
    gtin = ma.fields.String(load_default=None, allow_none=True)
    price_tiers = ma.fields.List(ma.fields.Nested(TierSchema), load_default=list)


class VariantsBody(ma.Schema):
    variants = ma.fields.List(ma.fields.Nested(VariantSchema), required=True)
    min_order_quantity = ma.fields.Raw(load_default=None)


class ProductDetail(ProductItem):
    status = ma.fields.String()
    description = ma.fields.String()
    category = ma.fields.Dict(allow_none=True)
    images = ma.fields.List(ma.fields.String())
    weight_g = ma.fields.Integer()
    gtin = ma.fields.String(allow_none=True)
    certificate = ma.fields.Dict(allow_none=True)
    rejection_reason = ma.fields.String(allow_none=True)
    pending_revision = ma.fields.Boolean()
    version = ma.fields.Integer()
    variants = ma.fields.List(ma.fields.Nested(VariantSchema))
    price_tiers = ma.fields.List(ma.fields.Nested(TierSchema))
    min_order_quantity = ma.fields.Integer()


ProductPage = page_of(ProductItem, "ProductPage")


class CategorySchema(ma.Schema):
    id = ma.fields.Integer()
    slug = ma.fields.String()
    name = ma.fields.String()
    parent_id = ma.fields.Integer(allow_none=True)


class ProductCreate(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    name = ma.fields.String(required=True)
    description = ma.fields.String(load_default="")
    price_vnd = ma.fields.Raw(required=True)
    unit = ma.fields.String(load_default="kg")
    stock = ma.fields.Raw(load_default=0)
    category = ma.fields.Raw(load_default=None)
    weight_g = ma.fields.Raw(load_default=0)
    shelf_life_days = ma.fields.Raw(load_default=None)
    gtin = ma.fields.String(load_default=None, allow_none=True)
    min_order_quantity = ma.fields.Raw(load_default=None)
    variants = ma.fields.List(ma.fields.Nested(VariantSchema), load_default=None)


class ApproveBody(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    version = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "Phiên bản sản phẩm người duyệt đã xem (trường `version`); khác bản hiện tại → 409."},
    )


class RejectBody(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(max=1000))


class ImageCreated(ma.Schema):
    id = ma.fields.Integer()
    url = ma.fields.String()


def item(product: Product) -> dict:
    commune = product.commune
    return {
        "id": product.id,
        "slug": product.slug,
        "name": product.name,
        "price_vnd": product.price_vnd,
        "unit": product.unit,
        "stock": product.stock,
        "ocop_stars": product.valid_stars() or None,
        "cooperative": {"slug": product.cooperative.slug, "name": product.cooperative.name},
        "commune": commune.name,
        "province": commune.province.name,
        "url": public_url("catalog.product", slug=product.slug),
    }


def detail(product: Product) -> dict:
    data = item(product)
    images = product.public_images if product.status == ProductStatus.PUBLISHED else product.images
    data.update(
        status=str(product.status),
        description=product.description,
        category={"id": product.category.id, "slug": product.category.slug, "name": product.category.name}
        if product.category
        else None,
        images=[media_url(original_key(product.id, i.stem)) for i in images],
        weight_g=product.weight_g,
        gtin=product.gtin,
        certificate=services.certificate_data(product),
        rejection_reason=product.rejection_reason,
        pending_revision=product.pending_revision is not None,
        version=product.version,
        variants=[variant_json(v) for v in product.active_variants],
        price_tiers=tiers_json(product.active_variants[0]) if product.active_variants else [],
        min_order_quantity=product.min_order_quantity,
    )
    return data


def tiers_json(variant: ProductVariant) -> list[dict]:
    return [{"min_quantity": t.min_quantity, "price_vnd": t.price_vnd} for t in variant.tiers]


def variant_json(variant: ProductVariant) -> dict:
    """DESIGN's {id, name, price_vnd, stock}, plus the variant's own tiers, weight and GTIN."""
    return {
        "id": variant.id,
        "name": variant.name,
        "price_vnd": variant.price_vnd,
        "stock": variant.stock,
        "weight_g": variant.weight_g,
        "gtin": variant.gtin,
        "price_tiers": tiers_json(variant),
    }


def _province_code(value: str | None) -> int | None:
    if not value:
        return None
    if value.isdigit():
        return int(value)
    code = db.session.scalar(select(Province.code).where(Province.slug == value))
    if code is None:
        raise NotFound(_("Không có tỉnh/thành phố này."))
    return code


@blp.route("/products")
class ProductsResource(MethodView):
    @blp.arguments(ProductQuery, location="query")
    @blp.response(200, ProductPage)
    @api_errors(404)
    def get(self, args):
        """Sản phẩm đang bán; `q` tìm không cần dấu, chịu một lỗi gõ."""
        category = find_category(args["category"]) if args["category"] else None
        if args["category"] and category is None:
            raise NotFound(_("Không có danh mục này."))
        query = SearchQuery(
            text=args["q"],
            category_id=category.id if category else None,
            province_code=_province_code(args["province"]),
            commune_code=args["commune"],
            stars=args["ocop_stars"],
            page=args["page"],
            per_page=args["per_page"],
            facets=False,
        )
        result = get_backend().search(query)
        return {"items": [item(p) for p in load_published(result.ids)], "total": result.total, "page": args["page"]}

    @blp.arguments(ProductCreate)
    @blp.response(201, ProductDetail)
    @api_errors(401, 403, 422)
    @token_required(Role.COOPERATIVE)
    def post(self, body):
        """Tạo sản phẩm nháp cho hợp tác xã của mã truy cập (`Idempotency-Key` chống tạo trùng)."""
        user = api_user()
        token = (request.headers.get("Idempotency-Key") or "")[:64] or None
        product = services.product_for_token(user, token)
        if product is None:
            product = services.create_product(user, user.cooperative, body, client_token=token)
            if body.get("variants") or body.get("min_order_quantity") is not None:
                services.set_variants(
                    user, product, body.get("variants") or _variant_rows(product), body.get("min_order_quantity")
                )
        db.session.commit()
        return detail(product)


def _variant_rows(product: Product) -> list[dict]:
    """The product's variants as editable rows (to change only the minimum order quantity)."""
    return [variant_json(variant) for variant in product.active_variants]


@blp.route("/products/<int:product_id>/variants")
class ProductVariantsResource(MethodView):
    @blp.arguments(VariantsBody)
    @blp.response(200, ProductDetail)
    @api_errors(401, 404, 409, 422)
    @token_required(Role.COOPERATIVE)
    def put(self, body, product_id: int):
        """Thay các loại hàng (gói, loại) với giá sỉ theo số lượng và số lượng mua tối thiểu; `id` giữ loại cũ.

        Loại bỏ ra mà đã có đơn thì chỉ ngừng bán. Giá “từ” và tồn kho của sản phẩm tính lại từ các loại."""
        product = get_managed_product(api_user(), product_id)
        services.set_variants(api_user(), product, body["variants"], body["min_order_quantity"])
        db.session.commit()
        return detail(product)


@blp.route("/products/<int:product_id>")
class ProductResource(MethodView):
    @blp.response(200, ProductDetail)
    @api_errors(404)
    def get(self, product_id: int):
        """Một sản phẩm (bản nháp chỉ hợp tác xã, cán bộ xã của nó và quản trị thấy)."""
        return detail(get_visible_product(api_user(), product_id))


@blp.route("/products/<int:product_id>/images")
class ProductImagesResource(MethodView):
    @blp.response(201, ImageCreated)
    @api_errors(401, 404, 422)
    @blp.doc(
        requestBody={
            "content": {
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": {"image": {"type": "string", "format": "binary"}}}
                }
            }
        }
    )
    @token_required(Role.COOPERATIVE)
    def post(self, product_id: int):
        """Thêm một ảnh (trường `image`); ảnh được kiểm tra, xoay đúng chiều và xoá siêu dữ liệu."""
        product = get_managed_product(api_user(), product_id)
        upload = request.files.get("image")
        if upload is None:
            raise ValidationFailed(_("Cần gửi ảnh trong trường “image”."), fields={"image": [_("Bắt buộc.")]})
        image = services.add_image(api_user(), product, read_upload(upload.stream))
        db.session.commit()
        return {"id": image.id, "url": media_url(original_key(product.id, image.stem))}


def _action(product: Product, verb) -> dict:
    verb(product)
    db.session.commit()
    return detail(product)


@blp.route("/products/<int:product_id>/submit")
class SubmitResource(MethodView):
    @blp.response(200, ProductDetail)
    @api_errors(404, 409, 422)
    @token_required(Role.COOPERATIVE)
    def post(self, product_id: int):
        """Gửi sản phẩm cho xã duyệt (cần ít nhất một ảnh và danh mục)."""
        product = get_managed_product(api_user(), product_id)
        return _action(product, lambda p: services.submit_product(api_user(), p))


@blp.route("/products/<int:product_id>/approve")
class ApproveResource(MethodView):
    @blp.arguments(ApproveBody, required=False)
    @blp.response(200, ProductDetail)
    @api_errors(403, 409)
    @token_required(Role.COMMUNE_STAFF, Role.ADMIN)
    def post(self, body, product_id: int):
        """Duyệt sản phẩm (cán bộ của xã có hợp tác xã đó); `version` đã xem, nếu gửi, phải còn là bản hiện tại."""
        version = (body or {}).get("version")
        return _action(get_product(product_id), lambda p: services.approve_product(api_user(), p, version))


@blp.route("/products/<int:product_id>/reject")
class RejectResource(MethodView):
    @blp.arguments(RejectBody)
    @blp.response(200, ProductDetail)
    @api_errors(403, 409)
    @token_required(Role.COMMUNE_STAFF, Role.ADMIN)
    def post(self, body, product_id: int):
        """Từ chối sản phẩm, kèm lý do."""
        return _action(get_product(product_id), lambda p: services.reject_product(api_user(), p, body["reason"]))


@blp.route("/categories")
class CategoriesResource(MethodView):
    @blp.response(200, CategorySchema(many=True))
    def get(self):
        """Sáu nhóm sản phẩm OCOP và danh mục con."""
        return db.session.scalars(select(Category).order_by(Category.parent_id.nulls_first(), Category.position)).all()
