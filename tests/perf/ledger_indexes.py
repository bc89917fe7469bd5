"""What each index on `events` costs SQLite's insert rate: the ceiling for batched ingest.

Run: .venv/bin/python -m tests.perf.ledger_indexes [--events 50000] [--batch 250] [--rounds 2]

Raw sqlite3 (no hub, no Python per row beyond executemany) inserts the bench's realistic
events into the ledger's `events` table with the ledger's pragmas, in transactions of
--batch rows, once per variant of the index set. Whatever the hub does on top, it cannot
ingest faster than the variant it ships with.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import orjson

from sitewatch.bench.ingest import sample_envelopes
from tests.perf.ledger_insert import PRAGMAS, timed_inserts

TABLE = (
    "CREATE TABLE events (id VARCHAR(36) NOT NULL PRIMARY KEY, site VARCHAR(64) NOT NULL,"
    " gateway VARCHAR(64) NOT NULL, seq BIGINT NOT NULL, ts VARCHAR NOT NULL,"
    " device VARCHAR(128) NOT NULL, kind VARCHAR(16) NOT NULL, subject VARCHAR(64),"
    " result VARCHAR(64), plate VARCHAR(16), received_at VARCHAR NOT NULL, body TEXT NOT NULL,"
    " building VARCHAR(64), floor INTEGER, gate VARCHAR(64), enterprise VARCHAR(64),"
    " person_type VARCHAR(16)) {suffix}"
)
# As hub/ledger/schema.py declares them.
INDEXES = {
    "ts_id": "CREATE INDEX ix_ts_id ON events (ts, id)",
    "site_ts": "CREATE INDEX ix_site_ts ON events (site, ts)",
    "subject_ts": "CREATE INDEX ix_subject_ts ON events (subject, ts)",
    "kind_ts": "CREATE INDEX ix_kind_ts ON events (kind, ts)",
    "device_ts": "CREATE INDEX ix_device_ts ON events (device, ts)",
    "site_gateway_seq": "CREATE INDEX ix_sgs ON events (site, gateway, seq)",
    "enterprise_ts": "CREATE INDEX ix_ent ON events (enterprise, ts) WHERE enterprise IS NOT NULL",
    "plate_ts": "CREATE INDEX ix_plate ON events (plate, ts) WHERE plate IS NOT NULL",
}
ALL = list(INDEXES)
VARIANTS: dict[str, tuple[str, list[str]]] = {
    "as shipped (primary key + 8 indexes)": ("", ALL),
    "without kind_ts": ("", [i for i in ALL if i != "kind_ts"]),
    "WITHOUT ROWID (clustered on id)": ("WITHOUT ROWID", ALL),
    "primary key + ts_id + site_gateway_seq": ("", ["ts_id", "site_gateway_seq"]),
    "primary key only": ("", []),
}
INSERT = "INSERT INTO events VALUES (" + ",".join("?" * 17) + ") ON CONFLICT (id) DO NOTHING"


def rows_of(payloads: list[bytes]) -> list[tuple[Any, ...]]:
    """The events as rows in table order (no registry enrichment)."""
    rows = []
    for payload in payloads:
        e = orjson.loads(payload)
        rows.append((e["id"], e["site"], e["gateway"], e["seq"], e["ts"], e["device"], e["kind"],
                     e.get("subject"), e.get("result"), e.get("plate"), e["ts"],
                     payload.decode(), None, None, None, None, None))
    return rows


def insert_rate(rows: list[tuple[Any, ...]], suffix: str, indexes: list[str], batch: int) -> float:
    """Rows per second into a fresh table with these indexes."""
    with tempfile.TemporaryDirectory(prefix="sitewatch-indexes-") as tmp:
        db = sqlite3.connect(Path(tmp) / "ledger.db", isolation_level=None)
        for pragma in PRAGMAS:
            db.execute(f"PRAGMA {pragma}")
        db.execute(TABLE.format(suffix=suffix))
        for name in indexes:
            db.execute(INDEXES[name])
        rate = timed_inserts(db, INSERT, rows, batch)
        db.close()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    _site, _gateway, payloads = sample_envelopes(args.events)
    rows = rows_of(payloads)
    print(f"{args.events:,} events, {args.batch} per transaction, SQLite {sqlite3.sqlite_version}")
    for round_number in range(1, args.rounds + 1):
        for name, (suffix, indexes) in VARIANTS.items():
            rate = insert_rate(rows, suffix, indexes, args.batch)
            print(f"  round {round_number}  {name:42s} {rate:>9,.0f} rows/s", flush=True)


if __name__ == "__main__":
    main()
