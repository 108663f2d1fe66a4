"""One registry idiom for plug-ins (payment gateways, search backends, sales channels).

A plug-in is one module inside its kind's package that defines `PLUGIN`: an object (or class) with a stable
`id` and, optionally, a `position` for ordering. The registry finds the modules itself, so adding a plug-in
touches one new file and no list. Modules whose names start with `_` or are named in `skip` (the protocol's
own module, shared helpers) are not plug-ins.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Iterator
from importlib import import_module
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class UnknownPlugin(LookupError):
    """No plug-in of this kind has that id."""


class Registry(Generic[T]):
    """The plug-ins of one kind, loaded on first use from the modules of `package`."""

    def __init__(self, package: str, *, skip: tuple[str, ...] = ("base",)) -> None:
        self.package = package
        self.skip = skip
        self._plugins: dict[str, T] | None = None

    def _load(self) -> dict[str, T]:
        if self._plugins is None:
            found: dict[str, T] = {}
            for info in pkgutil.iter_modules(import_module(self.package).__path__):
                if info.name.startswith("_") or info.name in self.skip:
                    continue
                plugin = getattr(import_module(f"{self.package}.{info.name}"), "PLUGIN", None)
                if plugin is not None:
                    found[plugin.id] = plugin
            self._plugins = dict(sorted(found.items(), key=lambda item: (_position(item[1]), item[0])))
        return self._plugins

    def get(self, plugin_id: str) -> T:
        try:
            return self._load()[plugin_id]
        except KeyError:
            raise UnknownPlugin(f"{self.package}: no plug-in {plugin_id!r}; known: {', '.join(self.ids())}") from None

    def ids(self) -> list[str]:
        return list(self._load())

    def all(self) -> list[T]:
        return list(self._load().values())

    def __contains__(self, plugin_id: object) -> bool:
        return plugin_id in self._load()

    def __iter__(self) -> Iterator[T]:
        return iter(self.all())


def _position(plugin: Any) -> int:
    return getattr(plugin, "position", 100)
