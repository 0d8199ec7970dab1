"""Values kept in this process because they can never go stale: parsed flows, flowcharts, the
changed questions between two versions, a question rendered as first asked. Each is keyed by
content hashes (a published version never changes; an edited draft has a new hash), so nothing
needs invalidating; the store is bounded (least recently used out first) and shared by threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    """At most `limit` values by key; `get(key, make)` calls `make()` only when the key is missing
    (outside the lock: two threads may both make it, and either result is the same)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = make()
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.limit:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)
