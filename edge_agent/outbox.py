"""The durable outbox: every event and media object is written here before it is sent.

SQLite in WAL mode. Rows leave only when the delivery pump reports the broker's PUBACK.
Each event's `seq` comes from a counter kept in the same file and bumped in the same
transaction as the insert, so it survives restarts and is never reused.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import orjson
from pydantic import ValidationError
from ulid import ULID

from edge_agent.ports import Draft, OutboxFull
from sitewatch.protocol import MediaRef, describe_validation_error, event_adapter

EVENT_PRIORITY = 0
MEDIA_PRIORITY = 1  # media is shed before an event is refused
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

    def __init__(self, path: Path, max_bytes: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.max_bytes = max_bytes
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
        """Validate and store events in one transaction; return the `seq` each was given."""
        if not drafts:
            return []
        with self._lock, self._transaction():
            last = self._last_seq(stamp.gateway)
            payloads = [envelope_bytes(d, last + i, stamp) for i, d in enumerate(drafts, start=1)]
            size = sum(len(p) for p in payloads)
            if not self._make_room(size):
                self._dropped["events_refused"] += len(drafts)
                raise OutboxFull(
                    f"outbox holds {self._bytes} bytes of {self.max_bytes}; "
                    f"{len(drafts)} event(s) refused"
                )
            seqs = list(range(last + 1, last + len(drafts) + 1))
            self._db.executemany(
                "INSERT INTO outbox (channel, seq, priority, payload, created_at) "
                "VALUES ('events', ?, ?, ?, ?)",
                [(s, EVENT_PRIORITY, p, stamp.now) for s, p in zip(seqs, payloads, strict=True)],
            )
            self._db.execute(
                "INSERT INTO sequence (gateway, last_seq) VALUES (?, ?) "
                "ON CONFLICT (gateway) DO UPDATE SET last_seq = excluded.last_seq",
                (stamp.gateway, seqs[-1]),
            )
            self._bytes += size
        return seqs

    def append_media(
        self, data: bytes, content_type: str, role: Literal["snapshot", "clip"], now: float
    ) -> MediaRef:
        """Store a media object once per hash and return the reference events carry."""
        digest = hashlib.sha256(data).hexdigest()
        ref = MediaRef(sha256=digest, content_type=content_type, role=role)
        with self._lock, self._transaction():
            known = self._db.execute(
                "SELECT 1 FROM outbox WHERE channel = 'media' AND sha256 = ?", (ref.sha256,)
            ).fetchone()
            if known:
                return ref
            if len(data) + self._bytes > self.max_bytes:
                self._dropped["media_refused"] += 1
                raise OutboxFull(f"outbox full; {len(data)}-byte {role} refused")
            self._db.execute(
                "INSERT INTO outbox (channel, sha256, priority, payload, created_at) "
                "VALUES ('media', ?, ?, ?, ?)",
                (ref.sha256, MEDIA_PRIORITY, data, now),
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

    def _make_room(self, size: int) -> bool:
        """Shed the oldest media until `size` more bytes fit; False if they still do not."""
        while self._bytes + size > self.max_bytes:
            row = self._db.execute(
                "DELETE FROM outbox WHERE id = (SELECT MIN(id) FROM outbox WHERE channel = 'media')"
                " RETURNING length(payload)"
            ).fetchone()
            if row is None:
                return False
            self._bytes -= row[0]
            self._dropped["media_shed"] += 1
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
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")


def envelope_bytes(draft: Draft, seq: int, stamp: Stamp) -> bytes:
    """The wire JSON of one draft, checked exactly as the hub will decode it."""
    clash = _ENVELOPE_KEYS.intersection(draft.fields)
    if clash:
        raise ValueError(f"draft fields may not set envelope keys: {sorted(clash)}")
    document = {
        "v": 1,
        "id": str(ULID()),
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
