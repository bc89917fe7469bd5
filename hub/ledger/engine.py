"""Engines for the ledger: SQLite (one file, WAL) or PostgreSQL through psycopg 3."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import URL, Engine, make_url

# Execution option on the engine `Ledger.commit` writes through: on SQLite it starts
# its transaction with BEGIN IMMEDIATE so writers queue on busy_timeout up front.
WRITE_OPTION = "ledger_write"

# Room for the writer's 64 MiB page cache and the readers' working sets.
SQLITE_SOFT_HEAP_LIMIT_BYTES = 128 * 2**20

SQLITE_PRAGMAS = (
    "busy_timeout=10000",  # first: switching to WAL waits for other connections too
    "journal_mode=WAL",
    "synchronous=NORMAL",
    "foreign_keys=ON",
    # A 64 MiB page cache keeps the events indexes' hot pages in memory, and checkpointing
    # every ~40 MB of WAL instead of ~4 MB cuts the fsyncs: together +40% commit throughput
    # (tests/perf/ledger_insert.py).
    "cache_size=-65536",
    "wal_autocheckpoint=10000",
    # Process-wide: the pool's connections (ingest's writer, the API's readers) may each
    # grow a 64 MiB cache. Past this limit every cache recycles its own least-recently-used
    # pages instead of growing, so SQLite's heap stays under it whatever the pool holds
    # (`sitewatch_ledger_sqlite_memory_bytes`; 4 to 18 MB in the soaks).
    f"soft_heap_limit={SQLITE_SOFT_HEAP_LIMIT_BYTES}",
)


def create_ledger_engine(url: str) -> Engine:
    """An engine for a `sqlite:///path` or `postgresql[+psycopg]://` URL."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            parsed = parsed.set(drivername="postgresql+psycopg")
        # A bounded connect: a database host that drops packets must not hang ingest or stop.
        return create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    raise ValueError(f"unsupported ledger database {backend!r}: use sqlite or postgresql")


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # Pooled connections move between the ingest and API threads, one at a time.
    engine = create_engine(url, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling starts transactions late and never for SELECTs;
    # switching it off lets `_sqlite_begin` make every SQLAlchemy transaction a real one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        _pragma_with_retry(cursor, pragma)
    cursor.close()


def _pragma_with_retry(cursor: Any, pragma: str, patience_s: float = 10.0) -> None:
    # Switching a new file to WAL while other connections open it answers "database is
    # locked" at once instead of waiting out busy_timeout (seen with replicas starting
    # together), so that one wait is done here.
    deadline = time.monotonic() + patience_s
    while True:
        try:
            cursor.execute(f"PRAGMA {pragma}")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
