"""A bounded, thread-safe cache of things built from versioned content (keyed by its SHA-256)."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class VersionCache:
    """What was built from each content version, least recently used dropped first.

    Keys name a version of immutable content (a SHA-256 with what else identifies it), so an
    entry never goes stale: changed content has a new key and the old entry ages out.
    """

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], object]):
        """The value for `key`, built (outside the lock: building may be slow) if not kept."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
