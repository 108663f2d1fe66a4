"""Who sees which link: the account menu filtered by role, and each role's home (where signing in lands)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from flask import current_app, url_for

from .models import Role, User

STAFF_ROLES = frozenset({Role.COOPERATIVE, Role.COMMUNE_STAFF, Role.ADMIN})


class AccountLink(NamedTuple):
    endpoint: str
    label: object
    roles: frozenset[Role]


def account_links_for(user: User, links: Iterable[AccountLink]) -> list[tuple[str, object]]:
    """The account-menu links this person may open: their role is allowed and the page exists."""
    if not getattr(user, "is_authenticated", False):
        return []
    views = current_app.view_functions
    return [(link.endpoint, link.label) for link in links if user.role in link.roles and link.endpoint in views]


def account_menu(user: User) -> list[tuple[str, object]]:
    """The account page's links for this person (the packages add theirs with `add_account_link`)."""
    return account_links_for(user, current_app.extensions.get("ocop_account_links", []))


def home_endpoint(user: User) -> str:
    """The endpoint of this person's home: their role's page when a package registered one, else the shop."""
    endpoint = current_app.extensions.get("ocop_homes", {}).get(user.role)
    if endpoint and endpoint in current_app.view_functions:
        return endpoint
    return "catalog.home"


def home_url(user: User) -> str:
    return url_for(home_endpoint(user))
