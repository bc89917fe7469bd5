"""Measure Ledger.commit on SQLite against raw sqlite3 executemany into the same table.

Run: .venv/bin/python tests/perf/ledger_insert.py [--events 200000] [--batch 2000] [--enriched]
Events are built (validated protocol models, JSON bodies) before the clock starts; with
--enriched they carry the registry enrichment ingest gives them (its cost is timed apart).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from ulid import ULID

from hub.ledger import Ledger
from hub.ledger.engine import SQLITE_PRAGMAS
from hub.records import EventRecord, IngestBatch
from hub.registry import RegistrySnapshot, build_snapshot, enrich
from sitewatch.protocol import event_adapter
from sitewatch.registry import SiteRegistry, uscc_check_char

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
SUBJECTS = [hashlib.sha256(f"person-{n}".encode()).hexdigest() for n in range(5000)]
# The same settings the ledger applies to its SQLite connections, less the process-wide
# soft heap limit.
PRAGMAS = tuple(p for p in SQLITE_PRAGMAS if not p.startswith("soft_heap_limit"))
COLUMNS = (
    "id",
    "site",
    "gateway",
    "seq",
    "ts",
    "device",
    "kind",
    "subject",
    "result",
    "plate",
    "received_at",
    "body",
)


def envelope(n: int, rng: random.Random) -> dict[str, Any]:
    """The n-th event (from 0) of three gateways taking turns, each with its own seq."""
    doc: dict[str, Any] = {
        "v": 1,
        "id": str(ULID()),
        "seq": n // 3 + 1,
        "ts": (T0 + timedelta(milliseconds=37 * n)).isoformat(),
        "site": f"park-{n % 3}",
        "gateway": "gw-1",
        "device": f"gate-{rng.randrange(40)}",
    }
    roll = rng.random()
    if roll < 0.4:
        doc |= {
            "kind": "place_scan",
            "subject": rng.choice(SUBJECTS),
            "method": "health_qr",
            "health": "green",
            "temperature_c": 36.5,
            "verdict": "pass",
        }
    elif roll < 0.7:
        doc |= {
            "kind": "access",
            "subject": rng.choice(SUBJECTS),
            "direction": "in",
            "credential": {"type": "card"},
            "result": "granted",
        }
    elif roll < 0.9:
        doc |= {
            "kind": "camera",
            "type": "person",
            "count": 2,
            "score": 0.91,
            "boxes": [[10, 20, 64, 128], [200, 40, 60, 120]],
        }
    elif roll < 0.95:
        doc |= {"kind": "vehicle", "plate": "A12345", "direction": "in", "result": "granted"}
    else:
        doc |= {"kind": "sensor", "metric": "door_contact", "value": True}
    return doc


def build(count: int) -> list[EventRecord]:
    """`count` validated event records, all received at the same moment."""
    rng = random.Random(7)
    received = datetime.now(UTC)
    records = []
    for n in range(count):
        doc = envelope(n, rng)
        records.append(EventRecord(event_adapter.validate_python(doc), orjson.dumps(doc), received))
    return records


def registry_snapshot() -> RegistrySnapshot:
    """A registry of the events' three sites: every device at a gate, every subject known."""
    usccs = [f"9131011500000{n:04d}" for n in range(20)]
    documents = [
        SiteRegistry.model_validate({
            "site": {"id": f"park-{k}", "name": f"Park {k}", "timezone": "Asia/Shanghai",
                     "buildings": [{"id": "b-1", "name": "B1", "floors": 30},
                                   {"id": "b-2", "name": "B2", "floors": 30}]},
            "gates": [{"id": f"g-{n}", "name": f"Gate {n}", "kind": "floor_door",
                       "building": f"b-{n % 2 + 1}", "floor": n % 30 + 1,
                       "readers": [{"id": f"gate-{n}"}]} for n in range(40)],
            "enterprises": [{"id": f"e-{n}", "name": f"E{n}", "uscc": u + uscc_check_char(u),
                             "building": "b-1", "floor": n + 1} for n, u in enumerate(usccs)],
            "persons": [{"pseudonym": s, "enterprise": f"e-{n % 20}", "type": "employee"}
                        for n, s in enumerate(SUBJECTS)],
        })
        for k in range(3)
    ]
    return build_snapshot(1, documents)


def enriched(records: list[EventRecord]) -> tuple[list[EventRecord], float]:
    """The records with their enrichment, and the enrichment's cost in µs per event."""
    snapshot = registry_snapshot()
    start = time.perf_counter()
    found = [enrich(record.event, snapshot) for record in records]
    cost = (time.perf_counter() - start) / len(records) * 1e6
    return [replace(r, enrichment=e) for r, e in zip(records, found, strict=True)], cost


def raw_rows(records: list[EventRecord]) -> list[tuple[Any, ...]]:
    """The rows as plain tuples, ready for sqlite3 (built before timing)."""

    def text(value: datetime) -> str:
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    rows = []
    for record in records:
        event = record.event
        subject = getattr(event, "subject", None)
        result = getattr(event, "verdict", None) or getattr(event, "result", None)
        rows.append(
            (
                event.id,
                event.site,
                event.gateway,
                event.seq,
                text(event.ts),
                event.device,
                event.kind,
                subject,
                result,
                getattr(event, "plate", None),
                text(record.received_at),
                record.body.decode(),
            )
        )
    return rows


def fresh_ledger(directory: Path) -> Ledger:
    """A new, migrated SQLite ledger in `directory`."""
    ledger = Ledger.open(f"sqlite:///{directory / 'ledger.db'}")
    ledger.migrate()
    return ledger


def time_ledger(records: list[EventRecord], batch: int, directory: Path) -> float:
    """Events per second through Ledger.commit."""
    ledger = fresh_ledger(directory)
    start = time.perf_counter()
    for offset in range(0, len(records), batch):
        ledger.commit(IngestBatch(events=records[offset : offset + batch]))
    elapsed = time.perf_counter() - start
    assert ledger.event_count() == len(records)
    ledger.close()
    return len(records) / elapsed


def time_raw(rows: list[tuple[Any, ...]], batch: int, directory: Path) -> float:
    """Events per second through sqlite3 executemany, one transaction per batch."""
    fresh_ledger(directory).close()  # same schema and indexes
    connection = sqlite3.connect(directory / "ledger.db", isolation_level=None)
    for pragma in PRAGMAS:
        connection.execute(f"PRAGMA {pragma}")
    sql = (
        f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
        "ON CONFLICT (id) DO NOTHING"
    )
    rate = timed_inserts(connection, sql, rows, batch)
    connection.close()
    return rate


def timed_inserts(
    connection: sqlite3.Connection, sql: str, rows: list[tuple[Any, ...]], batch: int
) -> float:
    """Rows per second through executemany of `sql`, one BEGIN IMMEDIATE per batch."""
    start = time.perf_counter()
    for offset in range(0, len(rows), batch):
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(sql, rows[offset : offset + batch])
        connection.execute("COMMIT")
    return len(rows) / (time.perf_counter() - start)


def main() -> None:
    """Build the events once, then time both ways of inserting them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--dir", type=Path, default=None, help="where to put the databases")
    parser.add_argument("--enriched", action="store_true", help="events carry enrichment")
    args = parser.parse_args()
    records = build(args.events)
    if args.enriched:
        records, cost = enriched(records)
        print(f"enrich() {cost:.2f} µs/event (ingest's decoder does it, not Ledger.commit)")
    rows = raw_rows(records)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        (Path(tmp) / "ledger").mkdir()
        (Path(tmp) / "raw").mkdir()
        ledger_rate = time_ledger(records, args.batch, Path(tmp) / "ledger")
        raw_rate = time_raw(rows, args.batch, Path(tmp) / "raw")
    print(f"{args.events} events in batches of {args.batch}, SQLite {sqlite3.sqlite_version}")
    print(f"Ledger.commit          {ledger_rate:>10,.0f} events/s")
    print(f"raw sqlite3 executemany {raw_rate:>9,.0f} events/s")
    print(f"Ledger.commit / raw    {ledger_rate / raw_rate:>10.0%}")


if __name__ == "__main__":
    main()
