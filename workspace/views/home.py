"""The cooperative's home: "Việc cần làm" with a card per kind of waiting work (signing in lands here)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from marketplace.models import Role
from marketplace.permissions import require_roles
from workspace import todo

bp = Blueprint("cooperative_home", __name__, url_prefix="/cooperative")


@bp.get("/")
@require_roles(Role.COOPERATIVE)
def home():
    return render_template(
        "workspace/cooperative_home.html",
        todo=todo.cooperative_todo(current_user.cooperative_id),
        cooperative=current_user.cooperative,
    )
