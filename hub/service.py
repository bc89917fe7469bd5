"""The ingest worker: group MQTT messages, commit them to the ledger, then acknowledge them.

paho's thread only enqueues. This worker takes what has queued up (group commit), routes
each message into one batch, commits it in one transaction and only then sends the
PUBACKs, so a crash at any point loses nothing: the broker redelivers what was not
acknowledged and the ledger absorbs duplicates by event id.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from hub.ingest import IngestLimits, MediaUpload, route_message
from hub.media import MediaStore
from hub.ports import MessageSource, ReceivedMessage
from hub.records import CommitResult, DeadLetter, IngestBatch, MediaRecord
from sitewatch.protocol import Topics

log = logging.getLogger(__name__)


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
    last_commit_at: float | None = None


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
        batch_linger_s: float = 0.01,
        retry_max_s: float = 10.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._source = source
        self._ledger = ledger
        self._media = media
        self._topics = topics
        self._limits = limits
        self._batch_max = batch_max_messages
        self._linger_s = batch_linger_s
        self._retry_max_s = retry_max_s
        self._clock = clock
        self._inbox: queue.SimpleQueue[ReceivedMessage] = queue.SimpleQueue()
        self.counters = IngestCounters()
        self.on_commit: list[Callable[[IngestBatch], None]] = []

    def deliver(self, message: ReceivedMessage) -> None:
        """Called on paho's thread: hand the message over, nothing more."""
        self._inbox.put(message)

    @property
    def backlog(self) -> int:
        """Messages received and not yet committed."""
        return self._inbox.qsize()

    def run(self, stop: threading.Event) -> None:
        """Commit groups of messages until `stop` is set."""
        while not stop.is_set():
            messages = self._take(timeout=0.2)
            if messages:
                self._commit_with_retry(messages, stop)

    def _take(self, timeout: float) -> list[ReceivedMessage]:
        try:
            first = self._inbox.get(timeout=timeout)
        except queue.Empty:
            return []
        messages = [first]
        # Linger briefly for more: a commit costs the same for 1 message or 1,000, and a
        # few milliseconds are nothing next to the live-latency budget.
        deadline = time.monotonic() + self._linger_s
        while len(messages) < self._batch_max:
            try:
                messages.append(self._inbox.get_nowait())
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    messages.append(self._inbox.get(timeout=remaining))
                except queue.Empty:
                    break
        return messages

    def _commit_with_retry(self, messages: list[ReceivedMessage], stop: threading.Event) -> None:
        delay = 0.1
        while not stop.is_set():
            try:
                self._commit(messages)
                return
            except Exception as exc:  # the ledger's errors are many kinds; none may kill ingest
                self.counters.commit_failures += 1
                if self._ledger_reachable():
                    # The ledger is up, so the data is at fault: find the message and
                    # dead-letter it rather than block the stream behind it forever.
                    log.warning("commit of %d messages failed: %s", len(messages), exc)
                    if len(messages) > 1:
                        for message in messages:
                            self._commit_with_retry([message], stop)
                        return
                    if self._dead_letter_refused(messages[0], exc):
                        return
                log.error("ledger unavailable, retrying in %.1fs: %s", delay, exc)
                stop.wait(delay)
                delay = min(delay * 2, self._retry_max_s)

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
        self._count(batch, CommitResult(0, 0))
        return True

    def _commit(self, messages: list[ReceivedMessage]) -> None:
        received_at = self._clock()
        batch = IngestBatch()
        uploads: list[MediaUpload] = []
        for message in messages:
            upload = route_message(message, self._topics, self._limits, received_at, batch)
            if upload is not None:
                uploads.append(upload)
        for upload in uploads:
            path = self._media.put(upload.sha256, upload.data)
            batch.media.append(
                MediaRecord(upload.sha256, upload.site, upload.gateway, len(upload.data),
                            str(path), received_at)
            )
        result = self._ledger.commit(batch)
        for message in messages:
            self._source.ack(message)
        self.counters.messages += len(messages)
        self._count(batch, result)
        for listener in self.on_commit:
            try:
                listener(batch)
            except Exception:  # a listener's failure must not undo or block ingest
                log.exception("commit listener failed")

    def _count(self, batch: IngestBatch, result: CommitResult) -> None:
        counters = self.counters
        counters.commits += 1
        counters.events_stored += result.stored
        counters.duplicates += result.duplicates
        counters.dead_letters += len(batch.dead_letters)
        counters.last_commit_at = time.time()

    def _ledger_reachable(self) -> bool:
        try:
            self._ledger.ping()
        except Exception:
            return False
        return True
