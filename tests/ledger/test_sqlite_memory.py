"""SQLite's heap in a hub is bounded: the ledger engine sets a process-wide soft heap limit,
past which the pool's connections recycle their own cache pages instead of growing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.ledger import Ledger, sqlite_memory
from hub.ledger.engine import SQLITE_SOFT_HEAP_LIMIT_BYTES


@pytest.fixture
def restore_soft_heap_limit() -> Iterator[None]:
    """The limit is process-wide: put back whatever this test found."""
    probe = sqlite3.connect(":memory:")
    (before,) = probe.execute("PRAGMA soft_heap_limit").fetchone()
    yield
    probe.execute(f"PRAGMA soft_heap_limit={before}")
    probe.close()


def filled_database(path: Path, megabytes: int) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
        connection.executemany("INSERT INTO t (body) VALUES (randomblob(4000))",
                               ([] for _ in range(megabytes * 256)))


def cache_growth_of_three_readers(path: Path) -> int:
    """Bytes SQLite's heap grows by while three connections, each allowed a 64 MiB cache,
    read every page of `path` and stay open."""
    before = sqlite_memory.memory_used()
    assert before is not None
    readers = [sqlite3.connect(path) for _ in range(3)]
    try:
        for reader in readers:
            reader.execute("PRAGMA cache_size=-65536")
            reader.execute("BEGIN")  # hold the read transaction: the cache stays valid
            assert reader.execute("SELECT sum(length(body)) FROM t").fetchone()[0] > 0
        used = sqlite_memory.memory_used()
        assert used is not None
        return used - before
    finally:
        for reader in readers:
            reader.close()


def test_a_ledger_connection_sets_the_soft_heap_limit(
    tmp_path: Path, restore_soft_heap_limit: None
) -> None:
    probe = sqlite3.connect(":memory:")
    probe.execute("PRAGMA soft_heap_limit=0")
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    ledger.migrate()
    ledger.ping()
    assert probe.execute("PRAGMA soft_heap_limit").fetchone() == (SQLITE_SOFT_HEAP_LIMIT_BYTES,)
    assert ledger.backend == "sqlite"
    ledger.close()


def test_the_soft_heap_limit_stops_the_caches_growing(
    tmp_path: Path, restore_soft_heap_limit: None
) -> None:
    path = tmp_path / "big.db"
    filled_database(path, megabytes=24)
    probe = sqlite3.connect(":memory:")
    probe.execute("PRAGMA soft_heap_limit=0")
    unbounded = cache_growth_of_three_readers(path)
    assert unbounded > 3 * 20 * 2**20  # each cache holds the whole file

    probe.execute(f"PRAGMA soft_heap_limit={8 * 2**20}")
    bounded = cache_growth_of_three_readers(path)
    assert bounded < 12 * 2**20
