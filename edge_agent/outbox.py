"""The durable outbox: every event and media object is written here before it is sent.

SQLite in WAL mode. Rows leave only when the delivery pump reports the broker's PUBACK.
Each event's `seq` comes from a counter kept in the same file and bumped in the same
transaction as the insert, so it survives restarts and is never reused.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import orjson
from pydantic import ValidationError
from ulid import ULID

from edge_agent.ports import Draft, OutboxFull, Priority
from sitewatch.protocol import MediaRef, describe_validation_error, event_adapter

# LOW records are only taken while the outbox is below this share of its budget, so the
# last fifth of the disk is kept for what matters: access, place scans, alarms.
LOW_PRIORITY_CEILING = 0.8
# Room left free on the outbox's disk, whatever `max_bytes` says: SQLite needs it to
# checkpoint its WAL and to delete delivered rows, so an outbox that filled its disk to
# the last byte could never drain again (WAL checkpoints up to ~4 MiB at a time).
DISK_RESERVE_BYTES = 8 * 1024 * 1024
_SHED_IN_TRANSACTION = ("media_shed", "media_shed_low")
_ENVELOPE_KEYS = frozenset({"v", "id", "seq", "ts", "site", "gateway", "device", "kind", "media"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL CHECK (channel IN ('events', 'media')),
    seq INTEGER,
    sha256 TEXT,
    priority INTEGER NOT NULL,
    payload BLOB NOT NULL,
    created_at REAL NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_media ON outbox (sha256) WHERE channel = 'media';
CREATE TABLE IF NOT EXISTS sequence (
    gateway TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Stamp:
    """What the agent stamps on every record: its site, its gateway, and the time now."""

    site: str
    gateway: str
    now: float  # Unix time the record is written


@dataclass(frozen=True, slots=True)
class Record:
    """One pending outbox row as the delivery pump reads it."""

    rowid: int
    channel: Literal["events", "media"]
    seq: int | None
    sha256: str | None
    priority: int
    payload: bytes
    created_at: float


class Outbox:
    """SQLite outbox shared by the sources (append) and the delivery pump (peek, delete)."""

    def __init__(
        self,
        path: Path,
        max_bytes: int,
        *,
        disk_reserve_bytes: int = DISK_RESERVE_BYTES,
        disk_free: Callable[[Path], int] | None = None,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.max_bytes = max_bytes
        self.disk_reserve_bytes = disk_reserve_bytes
        self._disk_free = disk_free or _disk_free
        self._lock = threading.Lock()
        # One connection behind a lock: appends are short and the pump reads in pages.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        row = self._db.execute("SELECT COALESCE(SUM(length(payload)), 0) FROM outbox").fetchone()
        self._bytes = int(row[0])
        self._dropped: Counter[str] = Counter()

    def append_events(self, drafts: Sequence[Draft], stamp: Stamp) -> list[int]:
        """Validate and store events in one transaction; return the `seq` each was given.

        When the budget is spent, queued media is shed (LOW first), then LOW drafts of this
        call are shed (counted, given no `seq`); if the rest still does not fit, the whole
        call is refused with OutboxFull: an access or place-scan event is never dropped.
        Shed drafts are left out of the returned list, so it may be shorter than `drafts`.
        """
        if not drafts:
            return []
        with self._lock, self._writing(len(drafts), "events_refused"):
            last = self._last_seq(stamp.gateway)
            kept = self._fitting(drafts, last, stamp)
            if not kept:
                return []
            seqs = list(range(last + 1, last + len(kept) + 1))
            self._db.executemany(
                "INSERT INTO outbox (channel, seq, priority, payload, created_at) "
                "VALUES ('events', ?, ?, ?, ?)",
                [
                    (seq, int(draft.priority), payload, stamp.now)
                    for seq, (draft, payload) in zip(seqs, kept, strict=True)
                ],
            )
            self._db.execute(
                "INSERT INTO sequence (gateway, last_seq) VALUES (?, ?) "
                "ON CONFLICT (gateway) DO UPDATE SET last_seq = excluded.last_seq",
                (stamp.gateway, seqs[-1]),
            )
            self._bytes += sum(len(payload) for _, payload in kept)
        return seqs

    def _fitting(
        self, drafts: Sequence[Draft], last: int, stamp: Stamp
    ) -> list[tuple[Draft, bytes]]:
        """The drafts that fit the budget, with payloads; OutboxFull if the precious ones won't."""
        # Encoded with provisional seqs; if a LOW draft is shed, the kept ones are encoded
        # again so the shed draft leaves no hole in the sequence.
        encoded = [(d, envelope_bytes(d, last + i, stamp)) for i, d in enumerate(drafts, 1)]
        budget = self._budget()
        precious_size = sum(len(p) for d, p in encoded if d.priority < Priority.LOW)
        if precious_size and not self._make_room(precious_size, Priority.HIGH, budget):
            precious = sum(1 for d in drafts if d.priority < Priority.LOW)
            self._dropped["events_refused"] += precious
            if len(drafts) > precious:
                self._dropped["low_events_shed"] += len(drafts) - precious
            self._count_disk_short(budget, precious)
            raise OutboxFull(
                f"outbox holds {self._bytes} bytes of a {budget}-byte budget; "
                f"{precious} event(s) refused"
            )
        room = budget * LOW_PRIORITY_CEILING - self._bytes - precious_size
        kept: list[Draft] = []
        for draft, payload in encoded:
            if draft.priority < Priority.LOW:
                kept.append(draft)
            elif len(payload) <= room:
                kept.append(draft)
                room -= len(payload)
            else:
                self._dropped["low_events_shed"] += 1
        if len(kept) == len(encoded):
            return encoded
        return [(d, envelope_bytes(d, last + i, stamp)) for i, d in enumerate(kept, 1)]

    def append_media(
        self,
        data: bytes,
        content_type: str,
        role: Literal["snapshot", "clip"],
        now: float,
        priority: Priority = Priority.NORMAL,
    ) -> MediaRef:
        """Store a media object once per hash and return the reference events carry.

        To fit, queued media of lower priority is shed; if it still does not fit, the object
        is refused with OutboxFull (the event can go without it).
        """
        digest = hashlib.sha256(data).hexdigest()
        ref = MediaRef(sha256=digest, content_type=content_type, role=role)
        with self._lock, self._writing(1, "media_refused"):
            known = self._db.execute(
                "SELECT 1 FROM outbox WHERE channel = 'media' AND sha256 = ?", (ref.sha256,)
            ).fetchone()
            if known:
                return ref
            budget = self._budget()
            fits = self._make_room(len(data), priority, budget)
            if fits and priority >= Priority.LOW:
                fits = self._bytes + len(data) <= budget * LOW_PRIORITY_CEILING
            if not fits:
                self._dropped["media_refused"] += 1
                self._count_disk_short(budget, 1)
                raise OutboxFull(f"outbox full; {len(data)}-byte {role} refused")
            self._db.execute(
                "INSERT INTO outbox (channel, sha256, priority, payload, created_at) "
                "VALUES ('media', ?, ?, ?, ?)",
                (ref.sha256, int(priority), data, now),
            )
            self._bytes += len(data)
        return ref

    def peek(self, limit: int, after_rowid: int = 0) -> list[Record]:
        """The oldest pending records after `after_rowid`, in rowid order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, channel, seq, sha256, priority, payload, created_at FROM outbox "
                "WHERE id > ? ORDER BY id LIMIT ?",
                (after_rowid, limit),
            ).fetchall()
        return [Record(*row) for row in rows]

    def last_rowid(self) -> int:
        """The newest record's rowid (0 when empty)."""
        with self._lock:
            row = self._db.execute("SELECT MAX(id) FROM outbox").fetchone()
        return int(row[0] or 0)

    def delete(self, rowids: Iterable[int]) -> int:
        """Remove delivered records; return how many were still there."""
        ids = list(rowids)
        if not ids:
            return 0
        with self._lock, self._transaction():
            sizes = self._db.execute(
                "DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?)) "
                "RETURNING length(payload)",
                (orjson.dumps(ids),),
            ).fetchall()
            self._bytes -= sum(size for (size,) in sizes)
        return len(sizes)

    def depth(self) -> int:
        """Records waiting to be delivered."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def oldest_age_s(self, now: float) -> float:
        """Seconds the oldest waiting record has waited (0 when empty)."""
        with self._lock:
            row = self._db.execute("SELECT created_at FROM outbox ORDER BY id LIMIT 1").fetchone()
        return max(0.0, now - row[0]) if row else 0.0

    def last_seq(self, gateway: str) -> int:
        """The last `seq` given to an event of `gateway` (0 before the first)."""
        with self._lock:
            return self._last_seq(gateway)

    @property
    def payload_bytes(self) -> int:
        """Payload bytes pending, counted against the disk budget."""
        return self._bytes

    def dropped(self) -> dict[str, int]:
        """Records refused or shed since start, by reason."""
        return dict(self._dropped)

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._db.close()

    def _last_seq(self, gateway: str) -> int:
        row = self._db.execute(
            "SELECT last_seq FROM sequence WHERE gateway = ?", (gateway,)
        ).fetchone()
        return int(row[0]) if row else 0

    def _budget(self) -> int:
        """Payload bytes the outbox may hold now: `max_bytes`, less if its disk is short.

        What the outbox holds and the free pages of its file count as room (SQLite reuses
        them); the disk's reserve is kept out.
        """
        page_size, free_pages = (
            self._db.execute(f"PRAGMA {pragma}").fetchone()[0]
            for pragma in ("page_size", "freelist_count")
        )
        room = (self._bytes + page_size * free_pages + self._disk_free(self.path.parent)
                - self.disk_reserve_bytes)
        return max(0, min(self.max_bytes, room))

    def _count_disk_short(self, budget: int, refused: int) -> None:
        """Count refusals the disk caused (not `max_bytes`), so health says the disk is full."""
        if budget < self.max_bytes:
            self._dropped["disk_full"] += refused

    @contextmanager
    def _writing(self, records: int, refused: str) -> Iterator[None]:
        """One write transaction (the lock held); if it fails, the byte count is restored.

        A full disk (SQLITE_FULL: the reserve was eaten by something else) refuses the
        records like a spent budget does, with OutboxFull, counted under `refused` and
        `disk_full`; SQLite has rolled the transaction back, so no seq was used.
        """
        bytes_before = self._bytes
        shed_before = {reason: self._dropped[reason] for reason in _SHED_IN_TRANSACTION}
        try:
            with self._transaction():
                yield
        except BaseException as exc:
            # Media it shed (and what it added) came back with the rollback: uncount them.
            self._bytes = bytes_before
            for reason, count in shed_before.items():
                self._dropped[reason] = count
            self._dropped += Counter()  # drops the zero counts again
            if isinstance(exc, sqlite3.OperationalError) and _is_disk_full(exc):
                self._dropped[refused] += records
                self._dropped["disk_full"] += records
                raise OutboxFull(f"outbox disk full; {records} record(s) refused") from exc
            raise

    def _make_room(self, size: int, incoming: Priority, budget: int) -> bool:
        """Shed queued media until `size` more bytes fit the budget; False if they still do not.

        Only media of lower priority than `incoming` is shed, LOW before NORMAL, oldest
        first. Queued events are never shed: that would leave a hole in the sequence.
        """
        while self._bytes + size > budget:
            row = self._db.execute(
                "DELETE FROM outbox WHERE id = (SELECT id FROM outbox WHERE channel = 'media' "
                "AND priority > ? ORDER BY priority DESC, id LIMIT 1) "
                "RETURNING length(payload), priority",
                (int(incoming),),
            ).fetchone()
            if row is None:
                return False
            self._bytes -= row[0]
            self._dropped["media_shed_low" if row[1] >= Priority.LOW else "media_shed"] += 1
        return True

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error (including a refused append)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error:
                self._rollback()
                raise
        else:
            self._rollback()

    def _rollback(self) -> None:
        # After SQLITE_FULL or an I/O error SQLite may have rolled back already, and a
        # second ROLLBACK would raise over the error that matters.
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")


def _disk_free(directory: Path) -> int:
    """Bytes free on the file system holding `directory` (for an unprivileged writer)."""
    return shutil.disk_usage(directory).free


def _is_disk_full(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


def envelope_bytes(draft: Draft, seq: int, stamp: Stamp) -> bytes:
    """The wire JSON of one draft, checked exactly as the hub will decode it."""
    clash = _ENVELOPE_KEYS.intersection(draft.fields)
    if clash:
        raise ValueError(f"draft fields may not set envelope keys: {sorted(clash)}")
    document = {
        "v": 1,
        "id": draft.id or str(ULID()),
        "seq": seq,
        "ts": draft.ts,
        "site": stamp.site,
        "gateway": stamp.gateway,
        "device": draft.device,
        "kind": draft.kind,
        "media": [m.model_dump() for m in draft.media],
        **draft.fields,
    }
    try:
        payload = orjson.dumps(document)
        event_adapter.validate_python(orjson.loads(payload))
    except ValidationError as exc:
        raise ValueError(f"invalid {draft.kind} draft: {describe_validation_error(exc)}") from None
    except TypeError as exc:  # orjson: a value JSON cannot carry
        raise ValueError(f"invalid {draft.kind} draft: {exc}") from None
    return payload
