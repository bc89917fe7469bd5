"""The delivery pump: outbox records to the broker, deleted only once the broker acks them."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence

from edge_agent.outbox import Outbox, Record
from edge_agent.ports import Link, Outgoing
from sitewatch.protocol import Topics

log = logging.getLogger(__name__)

_ACK_LINGER_S = 0.005


class DeliveryPump:
    """Publishes outbox records in rowid order with at most `max_inflight` unacknowledged.

    Only the pump's own thread touches the token→rowids map and the cursor. The cursor is
    the last rowid handed to the link: rows at or below it are in flight (paho re-sends
    those itself after a reconnect) or already gone, so nothing is read twice. A restart
    starts a new pump at cursor 0, so whatever is left in the outbox is sent again and the
    hub drops the duplicates by event id.
    """

    def __init__(
        self,
        outbox: Outbox,
        link: Link,
        topics: Topics,
        site: str,
        gateway: str,
        *,
        max_inflight: int = 1000,
        batch_threshold: int = 50,
        batch_max: int = 500,
        batch_max_bytes: int = 512 * 1024,
    ) -> None:
        self._outbox = outbox
        self._link = link
        self._events_topic = topics.events(site, gateway)
        self._topics = topics
        self._site = site
        self._gateway = gateway
        self._max_inflight = max_inflight
        self._batch_threshold = batch_threshold
        self._batch_max = batch_max
        self._batch_max_bytes = batch_max_bytes
        self._inflight: dict[int, list[int]] = {}
        self._undeleted: list[int] = []  # acknowledged rows whose delete failed (disk full)
        self._cursor = 0
        self._wake = threading.Event()
        self.delivered = 0  # records acknowledged and deleted
        self.published = 0  # messages handed to the link

    @property
    def inflight(self) -> int:
        """Messages published and not yet acknowledged."""
        return len(self._inflight)

    def wake(self) -> None:
        """Tell the pump that records were appended, so an idle pump looks again now."""
        self._wake.set()

    def run(self, stop: threading.Event) -> None:
        """Pump until `stop` is set; survives errors of the outbox or the link."""
        while not stop.is_set():
            try:
                self._turn(stop)
            except Exception:
                log.exception("delivery pump failed; retrying in 1 s")
                stop.wait(1.0)

    def pump_once(self) -> int:
        """Settle the acks that have arrived, then fill the window; return messages sent."""
        self.settle(self._link.take_acked())
        self._wake.clear()  # before reading, so an append after this read wakes us again
        return self.fill()

    def settle(self, tokens: Sequence[int]) -> int:
        """Delete the records of acknowledged messages; return how many were deleted."""
        rowids, self._undeleted = self._undeleted, []
        for token in tokens:
            # Unknown tokens are the link's own messages (status, health).
            rowids.extend(self._inflight.pop(token, ()))
        if not rowids:
            return 0
        try:
            deleted = self._outbox.delete(rowids)
        except Exception:
            # Delivered all the same: delete them at the next settle, never send them again.
            self._undeleted = rowids
            raise
        self.delivered += deleted
        return deleted

    def fill(self) -> int:
        """Publish pending records until the window is full or nothing is left."""
        sent = 0
        while len(self._inflight) < self._max_inflight and self._link.connected:
            # Rowids only grow, so this is the backlog (less any media shed since): no COUNT.
            backlog = self._outbox.last_rowid() - self._cursor
            if backlog <= 0:
                break
            batching = backlog >= self._batch_threshold
            # Unbatched, each record is a message: read no more than the window can take.
            room = self._max_inflight - len(self._inflight)
            page = self._outbox.peek(
                self._batch_max if batching else min(room, backlog), after_rowid=self._cursor
            )
            if not page:
                break
            for message, rowids in self._messages(page, batching):
                if len(self._inflight) >= self._max_inflight:
                    return sent
                try:
                    token = self._link.publish(message)
                except ConnectionError as exc:
                    log.debug("publish deferred: %s", exc)
                    return sent
                if token in self._inflight:
                    log.warning("token %s reused while still unacknowledged", token)
                self._inflight[token] = rowids
                self._cursor = rowids[-1]
                self.published += 1
                sent += 1
            # Settle between pages so a long replay frees rows as it goes, not at the end.
            self.settle(self._link.take_acked())
        return sent

    def _turn(self, stop: threading.Event) -> None:
        if not self._link.connected and not self._inflight:
            self._link.wait_connected(stop, timeout=1.0)
            return
        if self.pump_once():
            return
        if self._inflight:
            acked = self._link.take_acked(timeout=0.2)
            if acked and len(self._inflight) >= self._max_inflight:
                # Window full: linger a moment so one outbox transaction settles many acks.
                time.sleep(_ACK_LINGER_S)
                acked += self._link.take_acked()
            self.settle(acked)
        else:
            self._wake.wait(0.2)

    def _messages(self, page: list[Record], batching: bool) -> Iterator[tuple[Outgoing, list[int]]]:
        """The messages for a page of records: media one by one, events singly or packed."""
        index = 0
        while index < len(page):
            record = page[index]
            if record.channel == "media":
                assert record.sha256 is not None
                topic = self._topics.media(self._site, self._gateway, record.sha256)
                yield Outgoing(topic, record.payload), [record.rowid]
                index += 1
                continue
            group = [record]
            size = len(record.payload) + 2
            while batching and index + len(group) < len(page):
                nxt = page[index + len(group)]
                size += len(nxt.payload) + 1
                if nxt.channel != "events" or size > self._batch_max_bytes:
                    break
                group.append(nxt)
            index += len(group)
            if len(group) == 1:
                yield Outgoing(self._events_topic, record.payload), [record.rowid]
            else:
                # The stored bytes are already the wire JSON: join them, do not re-encode.
                payload = b"[" + b",".join(r.payload for r in group) + b"]"
                yield Outgoing(self._events_topic, payload), [r.rowid for r in group]
