"""Tiny registry so other packages can react to a login (e.g. merging a guest cart) without import cycles."""

from __future__ import annotations

from collections.abc import Callable

from .models import User

_login_hooks: list[Callable[[User], None]] = []


def on_login(hook: Callable[[User], None]) -> Callable[[User], None]:
    if hook not in _login_hooks:
        _login_hooks.append(hook)
    return hook


def run_login_hooks(user: User) -> None:
    for hook in _login_hooks:
        hook(user)
