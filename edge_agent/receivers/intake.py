"""The base of the HTTP receivers: a pushed body becomes events in the outbox, or a clear refusal.

A push is all-or-nothing: one invalid record refuses the whole batch, and the answer comes
only after `sink.emit` has written the events to the outbox, so a 2xx means stored.
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from edge_agent.ports import Draft, EventSink, OutboxFull, Source
from edge_agent.receivers.answers import Answer
from edge_agent.receivers.http import serve
from edge_agent.receivers.records import MalformedInput, Problem, RecordError, parse_json
from edge_agent.receivers.settings import HttpListenerSettings

RETRY_AFTER_S = 5  # outbox full: the pump needs the broker back before room appears


def utc_now() -> datetime:
    """The time now, with its offset."""
    return datetime.now(UTC)


class HttpReceiver(Source):
    """Listens for JSON pushes (one record or an array of them) and emits them as events."""

    def __init__(
        self,
        name: str,
        listener: HttpListenerSettings,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.name = name
        self.listener = listener
        self.ready = threading.Event()
        """Set while the listener is bound and serving; `bound` tells where."""
        self._bound: tuple[str, int] | None = None
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    @abstractmethod
    def convert(self, record: Any, now: datetime) -> Draft | None:
        """One input record as a draft, or None when it is skipped on purpose.

        Raises RecordError naming the bad fields.
        """

    @property
    def bound(self) -> tuple[str, int] | None:
        """The (host, port) the listener is bound to while it runs (port 0 resolved)."""
        return self._bound

    def run(self, sink: EventSink, stop: threading.Event) -> None:
        """Serve pushes until `stop` is set."""
        try:
            serve(self.listener, self, sink, stop, self._on_bound)
        finally:
            self.ready.clear()
            self._bound = None

    def counters(self) -> dict[str, int]:
        """Requests, records accepted, refused (outbox full), skipped, rejections by class."""
        with self._lock:
            return dict(sorted(self._counts.items()))

    def count(self, key: str, n: int = 1) -> None:
        """Add to a counter of the health report."""
        with self._lock:
            self._counts[key] += n

    def receive(self, body: bytes, sink: EventSink) -> Answer:
        """Validate every record, then store them all in one outbox write, or none."""
        try:
            document = parse_json(body)
        except MalformedInput as exc:
            return Answer.error(400, str(exc))
        if isinstance(document, list):
            if not document:
                return Answer.error(422, "empty batch: nothing to store")
            if len(document) > self.listener.max_batch:
                limit = self.listener.max_batch
                return Answer.error(
                    413, f"batch of {len(document)} records exceeds the limit of {limit}"
                )
            records, batch = document, True
        elif isinstance(document, dict):
            records, batch = [document], False
        else:
            return Answer.error(422, "body must be a JSON object or an array of objects")

        now = self._clock()
        drafts: list[Draft] = []
        problems: list[Problem] = []
        invalid = skipped = 0
        for index, record in enumerate(records):
            try:
                draft = self.convert(record, now)
            except RecordError as exc:
                invalid += 1
                problems.extend((exc.at(index) if batch else exc).problems)
                continue
            if draft is None:
                skipped += 1
            else:
                drafts.append(draft)
        if invalid:
            self.count("invalid_records", invalid)
            detail = [p.as_json() for p in problems[:20]]
            error = f"{invalid} of {len(records)} record(s) invalid; none stored"
            return Answer.error(422, error, detail)
        return self._store(drafts, skipped, sink)

    def _store(self, drafts: list[Draft], skipped: int, sink: EventSink) -> Answer:
        if drafts:
            try:
                sink.emit(drafts)
            except OutboxFull:
                self.count("refused", len(drafts))
                headers = (("Retry-After", str(RETRY_AFTER_S)),)
                return Answer.error(503, "outbox full; nothing stored, retry later", [], headers)
            except ValueError as exc:
                # The converters build protocol-valid drafts; this is the last line of defence
                # (the text comes from the protocol's validation and carries no input values).
                self.count("invalid_records", len(drafts))
                return Answer.error(422, "records do not fit protocol v1; none stored", [str(exc)])
        self.count("accepted", len(drafts))
        if skipped:
            self.count("skipped", skipped)
        body: dict[str, Any] = {"accepted": len(drafts)}
        if skipped:
            body["skipped"] = skipped
        return Answer(202, body)

    def _on_bound(self, address: tuple[str, int]) -> None:
        self._bound = address
        self.ready.set()
