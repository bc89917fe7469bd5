"""An access controller's event log file, followed → `access` events (source type `access_log`).

One event per line: a JSON object in the format of `edge_agent.receivers.access`, or
`key=value` words such as
`2026-11-22T08:01:02+08:00 door=A-1 card=12345678 dir=in result=granted`.
A line that cannot be read is logged (the file and the field at fault, never the line's
content) and counted, then skipped. The read position is committed after the events are
in the outbox; while the outbox is full the lines wait in the file. An agent that dies
between the two reads those lines again: each event's id is derived from its line's
place in the file and its bytes (`line_event_id`), so the repeat carries the same ids
and the hub's ledger keeps one of each.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import uuid
from collections import Counter
from dataclasses import replace
from pathlib import Path

from edge_agent.ports import Draft, EventSink, OutboxFull, Source
from edge_agent.receivers.access import AccessRecord, access_draft, kv_record
from edge_agent.receivers.intake import utc_now
from edge_agent.receivers.records import (
    MalformedInput,
    Problem,
    RecordError,
    parse_json,
    validate_record,
)
from edge_agent.receivers.settings import (
    AccessLogSettings,
)
from edge_agent.receivers.tail import LogFollower, PlacedLine
from edge_agent.settings import SourceContext, SourceEntry, source_settings

log = logging.getLogger(__name__)

STATE_DIR = Path("/var/lib/sitewatch-agent")  # beside the agent's default outbox
_WARNINGS_PER_READ = 10  # a file of garbage must not flood the log


def line_event_id(site_key: bytes, line: PlacedLine) -> str:
    """A UUID (protocol v1 takes UUIDs or ULIDs) fixed by where the line is and what it says.

    Keyed with the site key, so the id says nothing of the line to whoever lacks it (the
    line holds card numbers). The bytes count as well as the place: a file deleted and
    recreated can get the same inode back, and its lines must not pass for the old ones
    (a truncated file is told apart by the follower's epoch). Laid out as a version-4 UUID.
    """
    name = b"%d:%d:%d:%d:" % (line.device, line.inode, line.epoch, line.offset) + line.data
    digest = hmac.new(site_key, b"sitewatch access_log line\x00" + name, hashlib.sha256)
    return str(uuid.UUID(bytes=digest.digest()[:16], version=4))


def default_state_path(log_path: Path, state_dir: Path | None = None) -> Path:
    """Where the position of `log_path` is kept unless configured: one file per log."""
    digest = hashlib.sha256(str(log_path.absolute()).encode()).hexdigest()[:12]
    return (state_dir or STATE_DIR) / f"access_log-{digest}.json"


class AccessLogSource(Source):
    """Follows a controller's log file and emits each line as an `access` event."""

    def __init__(
        self,
        settings: AccessLogSettings,
        site_key: bytes,
        *,
        name: str = "access_log",
        state_dir: Path | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        self.state_path = settings.state_path or default_state_path(settings.path, state_dir)
        self._site_key = site_key
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._follower: LogFollower | None = None

    @classmethod
    def from_settings(
        cls, cfg: AccessLogSettings | SourceEntry, ctx: SourceContext
    ) -> AccessLogSource:
        """Build the source from its settings entry (the bootstrap's factory call)."""
        state_dir = getattr(ctx, "state_dir", None)
        return cls(source_settings(AccessLogSettings, cfg), ctx.site_key, state_dir=state_dir)

    def run(self, sink: EventSink, stop: threading.Event) -> None:
        """Follow the file until `stop` is set, committing the position after each write."""
        settings = self.settings
        follower = LogFollower(
            settings.path,
            self.state_path,
            start_at=settings.start_at,
            max_line_bytes=settings.max_line_bytes,
        )
        self._follower = follower
        try:
            while not stop.is_set():
                lines = follower.read_placed_lines(settings.batch_max)
                if lines:
                    drafts = self._convert(lines, follower.offset)
                    if not self._deliver(sink, drafts, stop):
                        return  # stopped while the outbox was full: these lines wait
                    follower.commit()
                if len(lines) < settings.batch_max:  # caught up; a full batch means more now
                    stop.wait(settings.poll_s)
        finally:
            follower.close()

    def counters(self) -> dict[str, int]:
        """Lines read, events accepted, bad lines, refusals, rotations and truncations."""
        with self._lock:
            counts = dict(self._counts)
        follower = self._follower
        if follower is not None:
            counts.update(
                too_long=follower.too_long,
                rotations=follower.rotations,
                truncations=follower.truncations,
            )
        return dict(sorted(counts.items()))

    def parse_line(self, line: bytes) -> AccessRecord:
        """One log line as a record; RecordError naming what is wrong."""
        try:
            text = line.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise RecordError([Problem("(line)", "is not UTF-8")]) from None
        as_json = self.settings.format == "jsonl" or (
            self.settings.format == "auto" and text.startswith("{")
        )
        if as_json:
            try:
                document = parse_json(text.encode("utf-8"))
            except MalformedInput as exc:
                raise RecordError([Problem("(line)", str(exc))]) from None
        else:
            document = kv_record(text)
        return validate_record(AccessRecord, document, self.settings.timezone)

    def _convert(self, lines: list[PlacedLine], end_offset: int) -> list[Draft]:
        """Drafts of the good lines; the bad ones are logged and counted."""
        drafts: list[Draft] = []
        bad = 0
        now = utc_now()
        for line in lines:
            try:
                record = self.parse_line(line.data)
                draft = access_draft(
                    record, self.settings, self.settings.device, self._site_key, now
                )
                drafts.append(replace(draft, id=line_event_id(self._site_key, line)))
            except RecordError as exc:
                bad += 1
                if bad <= _WARNINGS_PER_READ:
                    log.warning("%s: a line of %s skipped: %s", self.name, self.settings.path, exc)
        if bad > _WARNINGS_PER_READ:
            log.warning(
                "%s: %d more bad lines before byte %d of %s",
                self.name,
                bad - _WARNINGS_PER_READ,
                end_offset,
                self.settings.path,
            )
        with self._lock:
            self._counts["lines"] += len(lines)
            self._counts["invalid_lines"] += bad
        return drafts

    def _deliver(self, sink: EventSink, drafts: list[Draft], stop: threading.Event) -> bool:
        """Write the drafts; while the outbox is full, wait and retry. False on stop."""
        while drafts:
            try:
                sink.emit(drafts)
            except OutboxFull:
                with self._lock:
                    self._counts["refused"] += len(drafts)
                if stop.wait(max(self.settings.poll_s, 1.0)):
                    return False
                continue
            except ValueError as exc:
                # The protocol refused a draft the record model let through: find it and skip
                # it, or that line would stop the tail for good.
                if len(drafts) > 1:
                    return all(self._deliver(sink, [draft], stop) for draft in drafts)
                log.warning("%s: a line of %s skipped: %s", self.name, self.settings.path, exc)
                with self._lock:
                    self._counts["invalid_lines"] += 1
                return True
            with self._lock:
                self._counts["accepted"] += len(drafts)
            break
        return True
