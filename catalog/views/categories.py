"""Admin page for categories: rename, reorder, add sub-categories."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from catalog.categories import save_category
from catalog.models import Category
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.models import Role
from marketplace.permissions import require_roles

from .blueprint import bp


@bp.route("/admin/categories", methods=["GET", "POST"])
@require_roles(Role.ADMIN)
def admin_categories():
    if request.method == "POST":
        try:
            category = save_category(
                current_user,
                request.form.get("id", type=int),
                request.form.get("name", ""),
                request.form.get("parent_id", type=int),
                request.form.get("position", type=int),
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Đã lưu danh mục “%(name)s”.", name=category.name), "success")
            return redirect(url_for("catalog.admin_categories"))
    roots = db.session.scalars(select(Category).where(Category.parent_id.is_(None)).order_by(Category.position)).all()
    return render_template("catalog/admin_categories.html", roots=roots)
