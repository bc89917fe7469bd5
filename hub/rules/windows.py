"""Bounded state for the rules: recent event ids, per-key sliding windows, capped maps.

Everything here is capped so that a flood of distinct doors, persons or event ids cannot
grow the hub's memory without limit: the least recently touched key goes first.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Hashable, Iterator
from datetime import datetime, timedelta
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")


class SeenIds:
    """The last `capacity` event ids, to tell a repeat from a new event."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def add(self, event_id: str) -> bool:
        """Remember `event_id`; False if it was already remembered."""
        if event_id in self._ids:
            return False
        self._ids[event_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return True


class BoundedDict(OrderedDict[K, V]):
    """A dict of at most `capacity` keys; setting a key makes it the newest."""

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.capacity = capacity

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        if len(self) > self.capacity:
            self.popitem(last=False)


class KeyedWindows(Generic[K, T]):
    """Per key, the (ts, item) entries of the last `span` (event time), newest last."""

    def __init__(self, span: timedelta, max_keys: int, max_entries: int) -> None:
        self.span = span
        self._max_entries = max_entries
        self._windows: BoundedDict[K, deque[tuple[datetime, T]]] = BoundedDict(max_keys)

    def add(self, key: K, ts: datetime, item: T) -> list[tuple[datetime, T]]:
        """Add an entry; return the entries within `span` before `ts` (itself included)."""
        window = self._windows.get(key)
        if window is None:
            window = deque(maxlen=self._max_entries)
        window.append((ts, item))
        self._windows[key] = window  # also marks the key as the most recently used
        newest = max(entry_ts for entry_ts, _ in window)
        while window and window[0][0] < newest - self.span:
            window.popleft()
        return [(t, i) for t, i in window if ts - self.span <= t <= ts]

    def clear(self, key: K) -> None:
        """Forget a key's entries."""
        self._windows.pop(key, None)

    def prune(self, now: datetime, slack: timedelta = timedelta(hours=1)) -> None:
        """Drop keys whose newest entry is older than `span` (plus `slack`) before `now`."""
        # `now` is the hub's clock, entries carry the gateway's: the slack keeps a gateway
        # whose clock runs behind from losing its windows at every tick.
        cutoff = now - self.span - slack
        stale = [k for k, w in self._windows.items() if not w or w[-1][0] < cutoff]
        for key in stale:
            del self._windows[key]

    def __len__(self) -> int:
        return len(self._windows)

    def __iter__(self) -> Iterator[K]:
        return iter(self._windows)
