"""A small thread-safe LRU whose entries expire: per-process caches for hot public pages."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class TtlCache:
    """A small per-process LRU with expiry (each gunicorn worker keeps its own)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, ttl: float) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is None or time.monotonic() - found[0] > ttl:
                return None
            self._items.move_to_end(key)
            return found[1]

    def kept(self, key: Any, ttl: float, make: Callable[[], T]) -> T:
        """The value kept under `key`, made (outside the lock) and kept when missing or older than `ttl` seconds."""
        found = self.get(key, ttl)
        if found is None:
            found = make()
            self.put(key, found)
        return found

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
