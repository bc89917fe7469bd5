"""The ledger of tests/perf/ledger_search.py: a corpus from the traffic model, bulk loads.

corpus  The demo site's traffic model (edge_agent.simulation), copied to several sites of
        their own (site id, site key, seed), both gateways each, played day after day in
        time order across all gateways: employees come back every working day, visitors
        now and then. Envelopes are what the agent sends (`envelope_bytes`), decoded and
        enriched from the sites' registries as ingest does, and turned into rows by the
        ledger's own `event_rows`. Rows go to `events.tsv` in PostgreSQL's COPY text format
        (timestamps as the naive UTC text SQLite stores). Some person and crowd detections
        carry a snapshot (crowds a clip too); those objects go to `media.tsv`.
load    Into the schema the real migrations create (`Ledger.open(url).migrate()`). Only for
        the load, and restored before anything is measured: the secondary indexes of
        `events` are dropped and re-created from their own DDL as read back from the
        database. SQLite loads with journal_mode=OFF and synchronous=OFF, in transactions of
        1M rows of multi-row INSERTs; PostgreSQL with COPY FROM STDIN in one transaction
        that also truncates the table (with wal_level=minimal that skips the WAL), then
        VACUUM ANALYZE as autovacuum would. No ANALYZE on SQLite: the hub never runs one,
        so its planner works without statistics there as it does in production.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, TextIO
from zoneinfo import ZoneInfo

import orjson
import psycopg
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy.engine import make_url

from edge_agent.outbox import Stamp, envelope_bytes
from edge_agent.ports import Draft
from edge_agent.simulation.model import TrafficModel
from hub.ledger import Ledger
from hub.ledger.event_rows import event_rows
from hub.ledger.schema import events, media
from hub.ledger.types import sqlite_text
from hub.records import EventRecord
from hub.registry import build_snapshot, enrich
from sitewatch.demo_registry import demo_registry
from sitewatch.protocol import MediaRef, event_adapter
from sitewatch.registry import SiteRegistry, load_registry

FIRST_DAY = date(2025, 1, 6)  # a Monday
EVENT_COLUMNS = tuple(c.name for c in events.columns)
MEDIA_COLUMNS = tuple(c.name for c in media.columns)
SQLITE_ROWS_PER_INSERT = 32_766 // len(EVENT_COLUMNS)  # SQLite's parameter limit
SQLITE_ROWS_PER_COMMIT = 1_000_000
RESERVOIR = 5000  # subject events kept to draw searches from
console = Console(width=110)


@dataclass(frozen=True)
class BenchSite:
    """One copy of the demo site: its own id, key, seed and people."""

    id: str
    key: bytes
    seed: int
    registry: SiteRegistry  # with its people, as the hub imports it


def bench_sites(count: int, seed: int) -> list[BenchSite]:
    """`count` copies of the demo site, each with a population of its own."""
    sites = []
    for n in range(count):
        site_id = "riverside-science-park" if n == 0 else f"riverside-science-park-{n + 1}"
        key = f"sitewatch-benchmark-site-key-{n:02d}"
        people = demo_registry(key, seed + n)
        site = people.site.model_copy(update={"id": site_id})
        registry = people.model_copy(update={"site": site})
        sites.append(BenchSite(site_id, key.encode(), seed + n, registry))
    return sites


def copy_text(value: object) -> str:
    """One field in PostgreSQL's COPY text format (also read back for SQLite)."""
    if value is None:
        return "\\N"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (text.replace("\\", "\\\\").replace("\t", "\\t")
                .replace("\n", "\\n").replace("\r", "\\r"))
    return text


def copy_line(row: tuple[Any, ...]) -> str:
    """A row as one line of COPY text."""
    return "\t".join(map(copy_text, row)) + "\n"


_UNESCAPE = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def parse_field(text: str) -> str | None:
    """The value of one COPY text field (strings only; SQLite's affinity makes the numbers)."""
    if text == "\\N":
        return None
    if "\\" not in text:
        return text
    out, chars = [], iter(text)
    for char in chars:
        out.append(_UNESCAPE[next(chars)] if char == "\\" else char)
    return "".join(out)


class MediaPicker:
    """Which camera detections carry footage: each person or crowd one with chance `share`."""

    def __init__(self, share: float, rng: random.Random) -> None:
        self.share, self.rng = share, rng

    def refs(self, draft: Draft) -> tuple[MediaRef, ...]:
        """The snapshot (and for a crowd, clip) a picked detection carries."""
        kind = draft.fields.get("type") if draft.kind == "camera" else None
        if kind not in ("person", "crowd") or self.rng.random() >= self.share:
            return ()
        token = self.rng.randbytes(16)
        roles: tuple[Literal["snapshot", "clip"], ...] = (
            ("snapshot", "clip") if kind == "crowd" else ("snapshot",)
        )
        return tuple(
            MediaRef(sha256=hashlib.sha256(token + role.encode()).hexdigest(),
                     content_type="image/jpeg" if role == "snapshot" else "video/mp4",
                     role=role)
            for role in roles
        )


def generate(directory: Path, total: int, site_count: int, media_target: int, seed: int) -> None:
    """Write events.tsv, media.tsv and corpus.json (what the measurement draws from)."""
    rng = random.Random(seed)
    sites = bench_sites(site_count, seed)
    base = load_registry(None)
    snapshot = build_snapshot(1, [s.registry for s in sites])
    zone = ZoneInfo(base.site.timezone)
    models = [
        (site, gateway.id, TrafficModel(base, gateway.id, site.key, site.seed))
        for site in sites for gateway in base.gateways
    ]
    # The first day tells how many days make `total`, and so how often to attach media.
    first = [m.events_between(*_day_bounds(FIRST_DAY, zone)) for _, _, m in models]
    first_day = [d for drafts in first for d in drafts]
    detections = sum(
        1 for d in first_day if d.kind == "camera" and d.fields.get("type") in ("person", "crowd")
    )
    days = max(1, total // len(first_day))
    picker = MediaPicker(min(1.0, media_target / max(1, detections * days)), rng)
    seqs = {(s.id, g): 0 for s, g, _ in models}
    reservoir = Reservoir(RESERVOIR, rng)
    media_events: list[tuple[str, list[str]]] = []
    written = 0
    day = FIRST_DAY
    with (
        (directory / "events.tsv").open("w", encoding="utf-8", buffering=1 << 22) as out,
        (directory / "media.tsv").open("w", encoding="utf-8") as media_out,
        _progress() as progress,
    ):
        task = progress.add_task("corpus", total=total)
        while written < total:
            # All gateways' traffic in time order, as a hub receives it: ids (ULIDs) rise
            # with time and rows lie in the table in arrival order, as they would.
            streams = [_labelled(site.id, gateway, model.events_between(*_day_bounds(day, zone)))
                       for site, gateway, model in models]
            records: list[EventRecord] = []
            for site_id, gateway, draft in heapq.merge(*streams, key=_draft_time):
                if written + len(records) >= total:
                    break
                refs = picker.refs(draft)
                if refs:
                    draft = Draft(draft.kind, draft.device, draft.ts, draft.fields, refs)
                seqs[site_id, gateway] += 1
                body = envelope_bytes(draft, seqs[site_id, gateway], Stamp(site_id, gateway, 0))
                received = draft.ts + timedelta(seconds=rng.lognormvariate(-1.5, 1.0))
                event_model = event_adapter.validate_python(orjson.loads(body))
                records.append(
                    EventRecord(event_model, body, received, enrich(event_model, snapshot))
                )
                if subject := draft.fields.get("subject"):
                    reservoir.offer((subject, draft.ts.isoformat()))
                if refs:
                    media_events.append((event_model.id, [r.sha256 for r in refs]))
                    media_out.writelines(
                        copy_line(media_row(ref, site_id, gateway, received, rng)) for ref in refs
                    )
            out.writelines(map(copy_line, event_rows(records, sqlite_text)))
            written += len(records)
            progress.update(task, completed=written)
            day += timedelta(days=1)
    corpus = {
        "events": written, "sites": [s.id for s in sites], "days": (day - FIRST_DAY).days,
        "first_day": FIRST_DAY.isoformat(), "last_day": (day - timedelta(days=1)).isoformat(),
        "media_objects": sum(len(shas) for _, shas in media_events),
        "subjects": sorted({s for s, _ in reservoir.items}),
        "subject_events": reservoir.items, "media_events": media_events, "timezone": str(zone),
        "columns": EVENT_COLUMNS, "seed": seed,
        "per_gateway": {f"{site}/{gateway}": n for (site, gateway), n in seqs.items()},
    }
    (directory / "corpus.json").write_text(json.dumps(corpus))


class Reservoir:
    """A uniform sample of `size` items of a stream of unknown length (reservoir sampling)."""

    def __init__(self, size: int, rng: random.Random) -> None:
        self.size, self.rng = size, rng
        self.items: list[tuple[str, str]] = []
        self.seen = 0

    def offer(self, item: tuple[str, str]) -> None:
        """Keep `item` with the chance that keeps the sample uniform."""
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
        elif (slot := self.rng.randrange(self.seen)) < self.size:
            self.items[slot] = item


def media_row(ref: MediaRef, site: str, gateway: str, received: datetime,
              rng: random.Random) -> tuple[Any, ...]:
    """The `media` row of an object as ingest stores it, its bytes arriving after the event."""
    size = rng.randint(40_000, 400_000) if ref.role == "snapshot" else rng.randint(2 << 20, 8 << 20)
    path = f"/var/lib/sitewatch/media/{ref.sha256[:2]}/{ref.sha256}"  # MediaStore's layout
    return ref.sha256, site, gateway, size, path, sqlite_text(received + timedelta(seconds=1))


def _labelled(site: str, gateway: str, drafts: Iterator[Draft]) -> Iterator[tuple[str, str, Draft]]:
    # A function, not a generator expression in the list above: that would see the loop's
    # last site and gateway by the time it runs.
    return ((site, gateway, draft) for draft in drafts)


def _draft_time(item: tuple[str, str, Draft]) -> datetime:
    return item[2].ts


def _day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    following = day + timedelta(days=1)
    return start, datetime(following.year, following.month, following.day, tzinfo=zone)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(), console=console,
    )


# ------------------------------------------------------------------------------ load


@dataclass(frozen=True)
class LoadReport:
    """How long the bulk load took, and the size of the result."""

    rows: int
    insert_s: float
    index_s: float
    size_bytes: int

    def describe(self) -> str:
        """One line for the report."""
        total = self.insert_s + self.index_s
        return (f"{self.rows:,} rows: insert {self.insert_s:.0f} s "
                f"({self.rows / self.insert_s:,.0f} rows/s), indexes {self.index_s:.0f} s, "
                f"overall {self.rows / total:,.0f} rows/s; size {self.size_bytes / 2**30:.2f} GiB")


def load_sqlite(directory: Path, rows: int) -> LoadReport:
    """Load the corpus into a migrated SQLite ledger at DIR/sqlite/ledger.db."""
    path = directory / "sqlite" / "ledger.db"
    for stale in path.parent.glob("ledger.db*"):
        stale.unlink()  # a load that did not finish
    ledger = Ledger.open(f"sqlite:///{path}")
    ledger.migrate()
    ledger.close()
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1048576", "threads=2"):
        db.execute(f"PRAGMA {pragma}")
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' "
        "AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        db.execute(f'DROP INDEX "{name}"')
    head = f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES "
    group = "(" + ", ".join("?" * len(EVENT_COLUMNS)) + ")"
    full = head + ", ".join([group] * SQLITE_ROWS_PER_INSERT)
    started = time.perf_counter()
    loaded = uncommitted = 0
    with (directory / "events.tsv").open(encoding="utf-8") as source, _progress() as progress:
        task = progress.add_task("sqlite", total=rows)
        db.execute("BEGIN")
        for chunk in _chunks(source, SQLITE_ROWS_PER_INSERT):
            params = [parse_field(f) for line in chunk for f in line[:-1].split("\t")]
            sql = full if len(chunk) == SQLITE_ROWS_PER_INSERT else \
                head + ", ".join([group] * len(chunk))
            db.execute(sql, params)
            loaded += len(chunk)
            uncommitted += len(chunk)
            if uncommitted >= SQLITE_ROWS_PER_COMMIT:
                db.execute("COMMIT")
                db.execute("BEGIN")
                uncommitted = 0
            progress.update(task, completed=loaded)
        with (directory / "media.tsv").open(encoding="utf-8") as media_source:
            media_rows = [[parse_field(f) for f in line[:-1].split("\t")] for line in media_source]
        db.executemany(
            f"INSERT INTO media ({', '.join(MEDIA_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(MEDIA_COLUMNS))})", media_rows,
        )
        db.execute("COMMIT")
    insert_s = time.perf_counter() - started
    started = time.perf_counter()
    for name, sql in indexes:
        console.print(f"  creating {name}")
        db.execute(sql)
    index_s = time.perf_counter() - started
    db.execute("PRAGMA journal_mode=WAL")  # what the ledger runs with
    db.close()
    return LoadReport(loaded, insert_s, index_s, path.stat().st_size)


def _chunks(lines: TextIO, size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def load_postgresql(directory: Path, url: str, rows: int) -> LoadReport:
    """Load the corpus into the migrated PostgreSQL ledger at `url`, in one transaction."""
    ledger = Ledger.open(url)
    ledger.migrate()
    ledger.close()
    columns = ", ".join(EVENT_COLUMNS)
    with psycopg.connect(libpq_url(url)) as db:
        # The corpus holds naive UTC text, as SQLite stores it.
        db.execute("SET TIME ZONE 'UTC'")
        db.execute("SET maintenance_work_mem = '1GB'")
        indexes = db.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = 'events' AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = 'events'::regclass)"
        ).fetchall()
        held = db.execute("SELECT EXISTS (SELECT FROM events) OR EXISTS (SELECT FROM media)")
        if held.fetchone() != (False,):
            raise RuntimeError(f"{url} already holds events or media: load only into an empty one")
        # Empty already; truncating it in the load's transaction lets COPY skip the WAL.
        db.execute("TRUNCATE events, media")
        for name, _ in indexes:
            db.execute(f'DROP INDEX "{name}"')
        started = time.perf_counter()
        with (
            (directory / "events.tsv").open("rb") as source,
            _progress() as progress,
            db.cursor().copy(f"COPY events ({columns}) FROM STDIN") as copy,
        ):
            task = progress.add_task("postgresql", total=rows)
            while block := source.read(1 << 22):  # whole lines are not needed: it is a stream
                copy.write(block)
                progress.advance(task, block.count(b"\n"))
        with (
            (directory / "media.tsv").open("rb") as source,
            db.cursor().copy(f"COPY media ({', '.join(MEDIA_COLUMNS)}) FROM STDIN") as copy,
        ):
            copy.write(source.read())
        insert_s = time.perf_counter() - started
        started = time.perf_counter()
        for name, ddl in indexes:
            console.print(f"  creating {name}")
            db.execute(ddl)
        db.commit()
        index_s = time.perf_counter() - started
    with psycopg.connect(libpq_url(url), autocommit=True) as db:
        console.print("  VACUUM ANALYZE")
        db.execute("VACUUM (ANALYZE) events")
        db.execute("VACUUM (ANALYZE) media")
        db.execute("CHECKPOINT")
        found = db.execute("SELECT count(*), pg_database_size(current_database()) FROM events")
        count, size_bytes = found.fetchone() or (0, 0)
    return LoadReport(int(count), insert_s, index_s, int(size_bytes))


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as psycopg takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
