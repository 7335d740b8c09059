"""The one cache policy: bounded (least recently used out), keyed by everything that changes the
output (the data version first), single-flight (concurrent cold requests build once).

Rendered pages, print pictures, downloads, OGC items pages and the sources lookup all use it.
A key always starts with the catalog's data version, and holds the base URL or Host wherever
the output contains one.

>>> cache = Cache(2)
>>> cache.get(("v1", "a"), lambda: "built a")
'built a'
>>> cache.get(("v1", "a"), lambda: "built again")
'built a'
>>> _ = cache.get(("v1", "b"), lambda: "b"); _ = cache.get(("v1", "c"), lambda: "c")
>>> ("v1", "a") in cache, len(cache)
(False, 2)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, MutableMapping
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class Cache:
    """A bounded, thread-safe, single-flight map from keys to built values."""

    def __init__(self, size: int):
        """Keep at most ``size`` values."""
        self.size = size
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._building: dict[Hashable, Future] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many values are kept."""
        return len(self._values)

    def __contains__(self, key: Hashable) -> bool:
        """True if a value is kept for ``key``."""
        return key in self._values

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value for ``key``; ``build()`` it once if absent, other callers wait for it.

        An error in ``build`` reaches every waiting caller and nothing is kept.
        """
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            future = self._building.get(key)
            owner = future is None
            if owner:
                future = self._building[key] = Future()
        if not owner:
            return future.result()
        try:
            value = build()
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            future.set_result(value)
            self._keep(key, value)
            return value
        finally:
            with self._lock:
                self._building.pop(key, None)

    def _keep(self, key: Hashable, value: Any) -> None:
        """Store a value, dropping the least recently used beyond the bound."""
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)


_CREATE = threading.Lock()


def named_cache(owner: MutableMapping[str, Any], name: str, size: int) -> Cache:
    """The cache called ``name`` kept in ``owner`` (an app's extensions), made on first use."""
    cache = owner.get(name)
    if cache is None:
        with _CREATE:
            cache = owner.setdefault(name, Cache(size))
    return cache
