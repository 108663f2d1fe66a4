"""Public catalogue pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.extensions import db

from .models import Product, ProductStatus

bp = Blueprint("catalog", __name__)


@bp.get("/")
def home():
    products = db.session.scalars(
        select(Product)
        .where(Product.status == ProductStatus.PUBLISHED)
        .options(selectinload(Product.cooperative), selectinload(Product.certificate))
        .order_by(Product.published_at.desc())
        .limit(12)
    ).all()
    return render_template("catalog/home.html", products=products)
