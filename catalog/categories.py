"""Category rules: names, a parent that is a top-level group, stable slugs."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select

from marketplace.errors import NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import User
from marketplace.services import record_audit, unique_slug
from marketplace.text import clean_text

from . import signals
from .chips import forget as forget_chips
from .models import Category, Product


def save_category(actor: User, category_id: int | None, name: str, parent_id: int | None, position: int | None):
    """Rename or move an existing category, or add a new one (slug made once, then kept)."""
    name = clean_text(name) or ""
    if not 2 <= len(name) <= 160:
        raise ValidationFailed(_("Tên danh mục cần từ 2 đến 160 ký tự."))
    parent = db.session.get(Category, parent_id) if parent_id else None
    if parent_id and (parent is None or parent.parent_id is not None):
        raise ValidationFailed(_("Danh mục cha phải là một nhóm sản phẩm cấp trên."))
    if category_id:
        category = db.session.get(Category, category_id)
        if category is None:
            raise NotFound(_("Không có danh mục này."))
        if parent is not None and (parent.id == category.id or category.children):
            raise ValidationFailed(_("Một nhóm có danh mục con không thể nằm trong nhóm khác."))
    else:
        category = Category(slug=unique_slug(Category, name))
        db.session.add(category)
    before = (category.name, category.parent_id)
    category.name, category.parent_id = name, parent.id if parent else None
    category.position = position if position is not None else (category.position or 0)
    db.session.flush()
    record_audit(actor, "category.saved", "category", category.id, name=name)
    forget_chips()
    if category_id and before != (category.name, category.parent_id):
        # their search entries hold the category's name and group, and channel listings its name
        signals.send(signals.product_changed, _products_under(category.id), fields=frozenset({"content"}))
    return category


def _products_under(category_id: int) -> list[int]:
    """The products of a category and, for a group, of its sub-categories."""
    in_it = select(Category.id).where(or_(Category.id == category_id, Category.parent_id == category_id))
    return list(db.session.scalars(select(Product.id).where(Product.category_id.in_(in_it))))
