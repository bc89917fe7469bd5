"""The live fan-out: what ingest commits and alarms change, pushed to each stream's queue.

Producers (the ingest writer's thread, the alarm worker, the API's threads) never wait:
each subscription has a bounded queue that drops its oldest items when its client reads
too slowly, and counts them, so the stream can tell the client to refetch. Consumers are
coroutines on the API's event loop. A producer wakes a waiting consumer through
`loop.call_soon_threadsafe`, once per offer and only if it is asleep. Polling the queue
instead (tests/perf/live_latency.py --poll-ms 5) added half a poll interval to the median
(p50 24-25 ms against 21-22 ms woken, same tails) and wakes the loop when idle too; it
stays as an option for that comparison only.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from hub.alarms.lifecycle import Alarm, Change
from hub.alarms.notify import AlarmNotifier
from hub.live_items import EVENT, ITEM_TYPES, LiveItem, alarm_item, event_item, gateway_item
from hub.ports import CommitListener, Committed


class TooManySubscribers(RuntimeError):
    """The hub already serves as many live streams as it is configured to."""


@dataclass(frozen=True, slots=True)
class LiveFilter:
    """What one stream wants: item types, sites (None: all) and event kinds (None: all)."""

    types: frozenset[str] = ITEM_TYPES
    sites: frozenset[str] | None = None
    kinds: frozenset[str] | None = None  # narrows events only: alarms and gateways have none

    @property
    def accepts_all(self) -> bool:
        """Whether every item passes (so a commit is offered without looking at its items)."""
        return self.types >= ITEM_TYPES and self.sites is None and self.kinds is None

    def accepts(self, item: LiveItem) -> bool:
        """Whether `item` is for this stream."""
        if item.type not in self.types:
            return False
        if self.sites is not None and item.site not in self.sites:
            return False
        return self.kinds is None or item.type != EVENT or item.kind in self.kinds


@dataclass(frozen=True, slots=True)
class LiveBatch:
    """What a stream sends next: how many items were dropped before these, then the items."""

    dropped: int
    items: list[LiveItem]


class Subscription:
    """One stream's bounded queue: filled from any thread, drained on the event loop."""

    def __init__(
        self, live_filter: LiveFilter, queue_max: int, loop: asyncio.AbstractEventLoop,
        poll_s: float | None = None,
    ) -> None:
        self.filter = live_filter
        self.dropped = 0  # in all, for /metrics
        self.sent = 0  # items handed to the stream, for /metrics
        self._queue: deque[LiveItem] = deque(maxlen=queue_max)
        self._queue_max = queue_max
        self._unreported = 0  # dropped since the stream last told its client
        self._lock = threading.Lock()
        self._loop = loop
        self._ready = asyncio.Event()
        self._waiting = False
        self._closed = False
        self._poll_s = poll_s

    def offer(self, items: Sequence[LiveItem]) -> None:
        """Queue items without waiting; when the queue is full the oldest go (counted)."""
        if not items:
            return
        with self._lock:
            if self._closed:
                return
            overflow = len(self._queue) + len(items) - self._queue_max
            if overflow > 0:
                self._unreported += overflow
                self.dropped += overflow
            self._queue.extend(items)  # the deque's maxlen pushes the oldest out
            wake, self._waiting = self._waiting, False
        if wake:
            self._wake()

    def close(self) -> None:
        """End the stream once what is queued has been taken."""
        with self._lock:
            self._closed = True
            wake, self._waiting = self._waiting, False
        if wake:
            self._wake()

    async def next_batch(self) -> LiveBatch | None:
        """Everything queued, waiting until there is something; None once closed and empty."""
        while True:
            with self._lock:
                if self._queue or self._unreported:
                    items = list(self._queue)
                    self._queue.clear()
                    dropped, self._unreported = self._unreported, 0
                    self.sent += len(items)
                    return LiveBatch(dropped, items)
                if self._closed:
                    return None
                if self._poll_s is None:
                    # Cleared under the lock: an offer after this sees `_waiting` and sets it.
                    self._waiting = True
                    self._ready.clear()
            if self._poll_s is None:
                await self._ready.wait()
            else:
                await asyncio.sleep(self._poll_s)

    def _wake(self) -> None:
        # RuntimeError: the loop has closed, so nobody is left to read this stream.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._ready.set)


class LiveHub(CommitListener, AlarmNotifier):
    """Fans commits (events, gateway statuses) and alarm changes out to live streams."""

    def __init__(
        self, queue_max: int = 1000, max_subscribers: int = 100, ping_s: float = 15.0,
        poll_s: float | None = None,
    ) -> None:
        self.queue_max = queue_max
        self.max_subscribers = max_subscribers
        self.ping_s = ping_s
        self.poll_s = poll_s  # None: wake streams (the default); seconds: poll (benchmark only)
        self._lock = threading.Lock()
        # Replaced, never changed in place, so producers iterate it without the lock.
        self._subscribers: tuple[Subscription, ...] = ()
        self._gone_dropped = 0  # dropped by streams that have ended
        self._gone_sent = 0
        self._ended = False

    # --- streams, on the API's event loop -------------------------------------------------

    def subscribe(
        self, live_filter: LiveFilter, loop: asyncio.AbstractEventLoop | None = None
    ) -> Subscription:
        """A stream's queue, drained on `loop` (default: the running one); TooManySubscribers."""
        subscription = Subscription(
            live_filter, self.queue_max, loop or asyncio.get_running_loop(), self.poll_s
        )
        with self._lock:
            if len(self._subscribers) >= self.max_subscribers:
                raise TooManySubscribers(f"{self.max_subscribers} live streams already open")
            if self._ended:
                subscription.close()
            self._subscribers = (*self._subscribers, subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Forget a stream that has ended; its counts stay in the totals."""
        subscription.close()
        with self._lock:
            if subscription in self._subscribers:
                self._subscribers = tuple(s for s in self._subscribers if s is not subscription)
                self._gone_dropped += subscription.dropped
                self._gone_sent += subscription.sent

    def end_streams(self) -> None:
        """End every stream (the hub is stopping), so the API server can close its connections."""
        with self._lock:
            self._ended = True
            subscribers = self._subscribers
        for subscription in subscribers:
            subscription.close()

    # --- producers, on any thread ---------------------------------------------------------

    def committed(self, committed: Committed) -> None:
        """Offer a commit's new events and gateway statuses to the streams; never blocks."""
        subscribers = self._subscribers
        if not subscribers:
            return  # nobody watching costs ingest nothing
        items = [event_item(record) for record in committed.events]
        items += [gateway_item(status) for status in committed.statuses]
        self._fan_out(items, subscribers)

    def notify(self, alarm: Alarm, change: Change) -> None:
        """Offer an alarm change to the streams; never blocks."""
        subscribers = self._subscribers
        if subscribers:
            self._fan_out([alarm_item(alarm, change)], subscribers)

    # The alarm service closes its notifiers when its worker stops; the streams outlive
    # that (events still flow), so `close` stays the no-op hook and `end_streams` ends them.

    def _fan_out(self, items: list[LiveItem], subscribers: tuple[Subscription, ...]) -> None:
        for subscription in subscribers:
            wanted = subscription.filter
            subscription.offer(
                items if wanted.accepts_all else [i for i in items if wanted.accepts(i)]
            )

    # --- for /metrics ---------------------------------------------------------------------

    @property
    def subscriber_count(self) -> int:
        """Streams open now."""
        return len(self._subscribers)

    @property
    def dropped_total(self) -> int:
        """Items dropped from slow streams' queues since start."""
        with self._lock:
            return self._gone_dropped + sum(s.dropped for s in self._subscribers)

    @property
    def sent_total(self) -> int:
        """Items handed to streams since start."""
        with self._lock:
            return self._gone_sent + sum(s.sent for s in self._subscribers)
