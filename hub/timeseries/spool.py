"""The time-series spool: batches the endpoint has not accepted yet, on disk, oldest first.

A SQLite file in WAL mode, so a hub restart (or crash) keeps what was spooled. Bodies are
zlib-compressed: line protocol shrinks about tenfold, and an outage of hours must fit.
Used by the writer's thread only.
"""

from __future__ import annotations

import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    points INTEGER NOT NULL,
    body BLOB NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class SpooledBatch:
    """One batch waiting in the spool."""

    id: int
    points: int
    body: bytes


class Spool:
    """Batches of line protocol waiting for the endpoint, replayed in the order spooled."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._max_bytes = max_bytes
        # Autocommit: each push and remove is its own transaction.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        depth, points, size = self._db.execute(
            "SELECT count(*), coalesce(sum(points), 0), coalesce(sum(length(body)), 0)"
            " FROM batches"
        ).fetchone()
        self.depth: int = depth  # batches waiting
        self.points: int = points  # points in them
        self.size_bytes: int = size  # their compressed size

    def push(self, body: bytes, points: int) -> int:
        """Append a batch; return how many points were dropped (oldest first) to make room."""
        stored = zlib.compress(body, 1)
        if len(stored) > self._max_bytes:
            return points  # could never fit, even alone
        dropped = 0
        while self.depth and self.size_bytes + len(stored) > self._max_bytes:
            dropped += self._drop_oldest()
        self._db.execute("INSERT INTO batches (points, body) VALUES (?, ?)", (points, stored))
        self.depth += 1
        self.points += points
        self.size_bytes += len(stored)
        return dropped

    def oldest(self) -> SpooledBatch | None:
        """The batch spooled first, or None when the spool is empty."""
        row = self._db.execute(
            "SELECT id, points, body FROM batches ORDER BY id LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return SpooledBatch(row[0], row[1], zlib.decompress(row[2]))

    def remove(self, batch: SpooledBatch) -> None:
        """Delete a batch the endpoint accepted."""
        self._remove(batch.id)

    def close(self) -> None:
        """Close the file; what is in it stays for the next writer."""
        self._db.close()

    def _drop_oldest(self) -> int:
        row = self._db.execute(
            "SELECT id, points FROM batches ORDER BY id LIMIT 1"
        ).fetchone()
        self._remove(row[0])
        return int(row[1])

    def _remove(self, batch_id: int) -> None:
        # fetchall: a RETURNING statement commits only once it has run to the end.
        [(size, points)] = self._db.execute(
            "DELETE FROM batches WHERE id = ? RETURNING length(body), points", (batch_id,)
        ).fetchall()
        self.depth -= 1
        self.points -= points
        self.size_bytes -= size
