"""The ingest worker: decode MQTT messages, commit them to the ledger, then acknowledge them.

The subscription's thread (the receiver process's pipe reader, or paho's own thread with
`ingest.receiver: thread`) only enqueues. Two stages follow, so that decoding the next messages
(Python, holding the GIL) overlaps the ledger's write of the previous ones (much of it
in SQLite or on the network, which run without the GIL):
  decoder: routes what has queued up into a prepared group and hands it over;
  writer:  takes everything handed over since its last commit, stores it in one
           transaction and only then sends the PUBACKs.
Nothing is acknowledged before its commit, so a crash at any point loses nothing: the
broker redelivers what was not acknowledged and the ledger absorbs duplicates by event id.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from hub.ingest import IngestLimits, MediaUpload, no_enrichment, route_message
from hub.media import MediaStore
from hub.ports import CommitListener, Committed, MessageSource, ReceivedMessage
from hub.records import CommitResult, DeadLetter, Enrichment, IngestBatch, MediaRecord
from sitewatch.protocol import Event, Topics

log = logging.getLogger(__name__)

_POLL_S = 0.2  # how often a blocked stage looks at the stop event


class EventLedger(Protocol):
    """What the worker needs of the ledger."""

    def commit(self, batch: IngestBatch) -> CommitResult:
        """Store the batch in one transaction."""
        ...

    def ping(self) -> None:
        """Raise if the ledger cannot be reached."""
        ...


@dataclass
class IngestCounters:
    """Running totals, read by /metrics and the benchmarks."""

    messages: int = 0
    events_stored: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    commits: int = 0
    commit_failures: int = 0


@dataclass
class PreparedGroup:
    """Messages routed into one batch, waiting to be committed and then acknowledged."""

    messages: list[ReceivedMessage] = field(default_factory=list)
    batch: IngestBatch = field(default_factory=IngestBatch)
    uploads: list[tuple[MediaUpload, datetime]] = field(default_factory=list)

    def absorb(self, other: PreparedGroup) -> None:
        """Append another group, so both commit in one transaction."""
        self.messages += other.messages
        self.uploads += other.uploads  # media records are made from these at commit
        mine, theirs = self.batch, other.batch
        mine.events += theirs.events
        mine.dead_letters += theirs.dead_letters
        mine.statuses += theirs.statuses
        mine.healths += theirs.healths

    def is_full(self, max_messages: int, max_events: int) -> bool:
        """Whether the group has reached either cap."""
        return len(self.messages) >= max_messages or len(self.batch.events) >= max_events


class Handoff:
    """The decoder's prepared work, waiting for the writer: at most one group, bounded.

    The decoder adds each group it routes; the writer takes everything added since its
    last take. So commits grow while the writer is busy (fewer, cheaper transactions)
    and stay small when it keeps up (low latency). A full group blocks the decoder, so
    while the ledger is down the backlog waits in the inbox and at the broker (bounded by
    receive_maximum), not decoded in memory.
    """

    def __init__(self, max_messages: int, max_events: int) -> None:
        self._max_messages = max_messages
        self._max_events = max_events
        self._ready = threading.Condition()
        self._waiting: PreparedGroup | None = None

    def add(self, group: PreparedGroup, stop: threading.Event) -> None:
        """Add to the waiting group; blocks while it is full, or until `stop` is set."""
        with self._ready:
            while (self._waiting is not None and not stop.is_set()
                   and self._waiting.is_full(self._max_messages, self._max_events)):
                self._ready.wait(_POLL_S)
            if self._waiting is None:
                self._waiting = group
            else:
                self._waiting.absorb(group)
            self._ready.notify_all()

    def take(self, timeout: float) -> PreparedGroup | None:
        """Everything waiting, or None if nothing came within `timeout`."""
        with self._ready:
            if self._waiting is None:
                self._ready.wait(timeout)
            group, self._waiting = self._waiting, None
            self._ready.notify_all()
            return group


class IngestService:
    """Consumes the subscription's messages into the ledger, acknowledging after commit."""

    def __init__(
        self,
        source: MessageSource,
        ledger: EventLedger,
        media: MediaStore,
        topics: Topics,
        limits: IngestLimits,
        batch_max_messages: int = 2000,
        batch_max_events: int = 5000,
        batch_linger_s: float = 0.01,
        retry_max_s: float = 10.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        listeners: Sequence[CommitListener] = (),
        enrich: Callable[[Event], Enrichment] = no_enrichment,
    ) -> None:
        self._source = source
        # Called on the decoder thread, so registry lookups overlap the ledger's writes.
        self._enrich = enrich
        self._listeners = list(listeners)
        self._ledger = ledger
        self._media = media
        self._topics = topics
        self._limits = limits
        self._max_messages = batch_max_messages
        self._max_events = batch_max_events
        self._linger_s = batch_linger_s
        self._retry_max_s = retry_max_s
        self._clock = clock
        self._inbox: queue.SimpleQueue[ReceivedMessage] = queue.SimpleQueue()
        self._handoff = Handoff(batch_max_messages, batch_max_events)
        self._received = 0  # written by the subscription's thread only
        self.counters = IngestCounters()

    def deliver(self, message: ReceivedMessage) -> None:
        """Called on the subscription's thread: hand the message over, nothing more."""
        self._received += 1
        self._inbox.put(message)

    @property
    def backlog(self) -> int:
        """Messages received and not yet committed (or dead-lettered)."""
        return self._received - self.counters.messages

    def run(self, stop: threading.Event) -> None:
        """Decode (on a thread of its own) and commit groups of messages until `stop` is set."""
        writer_done = threading.Event()
        decoder = threading.Thread(target=self._decode, args=(writer_done,), name="ingest-decode")
        decoder.start()
        try:
            self._write(stop, decoder)
        finally:
            # Each stage ends when the other does, so neither is left waiting forever.
            writer_done.set()
            decoder.join()

    # --- decoder stage --------------------------------------------------------------------

    def _decode(self, writer_done: threading.Event) -> None:
        linger = True
        while not writer_done.is_set():
            group = self._take(_POLL_S, linger)
            if group is not None:
                # A full group means a backlog: no point waiting for more.
                linger = not group.is_full(self._max_messages, self._max_events)
                self._handoff.add(group, writer_done)

    def _take(self, timeout: float, linger: bool) -> PreparedGroup | None:
        """Route what has arrived (lingering first for more) into a group, or None."""
        try:
            message = self._inbox.get(timeout=timeout)
        except queue.Empty:
            return None
        if linger:
            # Linger for more, as a commit costs about the same for 1 message or 100. By
            # sleeping, then draining: waiting on the inbox would wake this thread for
            # every message, each time taking the GIL from the thread delivering them.
            time.sleep(self._linger_s)
        group = PreparedGroup()
        received_at = self._clock()
        while True:
            self._route(message, received_at, group)
            if group.is_full(self._max_messages, self._max_events):
                return group
            try:
                message = self._inbox.get_nowait()
            except queue.Empty:
                return group

    def _route(self, message: ReceivedMessage, received_at: datetime, group: PreparedGroup) -> None:
        group.messages.append(message)
        try:
            upload = route_message(
                message, self._topics, self._limits, received_at, group.batch, self._enrich
            )
        except Exception as exc:  # a bug in routing must cost one message, not stop ingest
            log.exception("routing a message on %s failed", message.topic)
            reason = f"hub could not route the message: {exc}"[:600]
            group.batch.dead_letters.append(
                DeadLetter(message.topic, message.payload, reason, received_at)
            )
            return
        if upload is not None:
            group.uploads.append((upload, received_at))

    # --- writer stage ---------------------------------------------------------------------

    def _write(self, stop: threading.Event, decoder: threading.Thread) -> None:
        while not stop.is_set() and decoder.is_alive():
            group = self._handoff.take(timeout=_POLL_S)
            if group is not None:
                self._commit_with_retry(group, stop)

    def _commit_with_retry(self, group: PreparedGroup, stop: threading.Event) -> None:
        delay = 0.1
        while not stop.is_set():
            try:
                self._commit(group)
                return
            except Exception as exc:  # the ledger's errors are many kinds; none may kill ingest
                self.counters.commit_failures += 1
                if self._ledger_reachable():
                    # The ledger is up, so the data is at fault: find the message and
                    # dead-letter it rather than block the stream behind it forever.
                    log.warning("commit of %d messages failed: %s", len(group.messages), exc)
                    if len(group.messages) > 1:
                        self._commit_one_by_one(group.messages, stop)
                        return
                    if self._dead_letter_refused(group.messages[0], exc):
                        return
                log.error("ledger unavailable, retrying in %.1fs: %s", delay, exc)
                stop.wait(delay)
                delay = min(delay * 2, self._retry_max_s)

    def _commit_one_by_one(self, messages: list[ReceivedMessage], stop: threading.Event) -> None:
        """Commit each message alone (in order, so acks stay in order) to find the bad one."""
        for message in messages:
            single = PreparedGroup()
            self._route(message, self._clock(), single)
            self._commit_with_retry(single, stop)

    def _dead_letter_refused(self, message: ReceivedMessage, error: Exception) -> bool:
        reason = f"ledger refused the message: {error}".replace("\x00", "")[:600]
        batch = IngestBatch(
            dead_letters=[DeadLetter(message.topic, message.payload, reason, self._clock())]
        )
        try:
            self._ledger.commit(batch)
        except Exception:
            return False
        self._source.ack(message)
        self.counters.messages += 1
        self._count(batch, CommitResult(0, 0))
        return True

    def _commit(self, group: PreparedGroup) -> None:
        batch = group.batch
        # Files first: a media row must never point at a file that is not there. Assigned,
        # not appended, so a retried group does not list its files twice.
        batch.media = [
            MediaRecord(upload.sha256, upload.site, upload.gateway, len(upload.data),
                        str(self._media.put(upload.sha256, upload.data)), received_at)
            for upload, received_at in group.uploads
        ]
        result = self._ledger.commit(batch)
        self._source.ack_all(group.messages)
        self.counters.messages += len(group.messages)
        self._count(batch, result)
        self._tell_listeners(batch, result)

    def _tell_listeners(self, batch: IngestBatch, result: CommitResult) -> None:
        if not self._listeners:
            return
        committed = Committed(
            events=result.fresh,
            statuses=tuple(batch.statuses),
            healths=tuple(batch.healths),
            dead_letters=len(batch.dead_letters),
        )
        for listener in self._listeners:
            try:
                listener.committed(committed)
            except Exception:  # what follows the ledger must never stop ingest
                log.exception("commit listener %s failed", type(listener).__name__)

    def _count(self, batch: IngestBatch, result: CommitResult) -> None:
        counters = self.counters
        counters.commits += 1
        counters.events_stored += result.stored
        counters.duplicates += result.duplicates
        counters.dead_letters += len(batch.dead_letters)

    def _ledger_reachable(self) -> bool:
        try:
            self._ledger.ping()
        except Exception:
            return False
        return True
