"""Who may touch what. Lookups start from a scope, so a forgotten check yields 404, not someone else's data."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, select

from .errors import Forbidden
from .extensions import login_manager
from .models import Commune, Cooperative, Role, User


def require_roles(*roles: Role) -> Callable:
    """View decorator: 401 for anonymous users (login redirect for pages), 403 for the wrong role."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def cooperatives_managed_by(user: User) -> Select[tuple[Cooperative]]:
    """Cooperatives this user may manage: their own, their commune's, or all for admin."""
    query = select(Cooperative)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.COMMUNE_STAFF:
        return query.where(Cooperative.commune_code == user.commune_code)
    if user.role == Role.COOPERATIVE:
        return query.where(Cooperative.id == user.cooperative_id)
    return query.where(False)


def ensure_can_manage_cooperative(user: User, cooperative: Cooperative) -> None:
    if user.role == Role.ADMIN:
        return
    if user.role == Role.COMMUNE_STAFF and cooperative.commune_code == user.commune_code:
        return
    if user.role == Role.COOPERATIVE and cooperative.id == user.cooperative_id:
        return
    raise Forbidden(_("Bạn không có quyền với hợp tác xã này."))


def ensure_staff_of_commune(user: User, commune_code: int) -> None:
    """Commune staff act only in their own commune; admin everywhere."""
    if user.role == Role.ADMIN:
        return
    if user.role == Role.COMMUNE_STAFF and user.commune_code == commune_code:
        return
    raise Forbidden(_("Bạn chỉ có thể xử lý hồ sơ của xã mình."))


def ensure_member_of(user: User, cooperative_id: int) -> None:
    """Only members of this cooperative (or admin) may change its records."""
    if user.role == Role.ADMIN:
        return
    if user.role == Role.COOPERATIVE and user.cooperative_id == cooperative_id:
        return
    raise Forbidden(_("Bạn không có quyền với dữ liệu của hợp tác xã khác."))


def communes_visible_to(user: User) -> Select[tuple[Commune]]:
    query = select(Commune)
    if user.role == Role.COMMUNE_STAFF:
        return query.where(Commune.code == user.commune_code)
    return query
