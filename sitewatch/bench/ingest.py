"""`sitewatch bench ingest`: durable ingest into the SQLite ledger, against baselines.

All the figures come from one run on one broker of the bench's own:
  1. a bare paho subscriber draining N queued single-event messages (auto-ack, no work);
  2. the hub draining the same N single-event messages into a fresh SQLite ledger;
  3. the same with the subscription inside the hub's process (`ingest.receiver: thread`),
     to show what the receiver's own process is worth;
  4. the hub draining N events sent as batches (JSON arrays) into a fresh ledger;
  5. SQLite's own batched insert of the same N rows through sqlite3 executemany;
  6. two ceilings, each one part of the hub's per-event work alone, with no broker and no
     threads: SQLite inserting the hub's own rows into the ledger's indexed events table
     from a staged copy (INSERT … SELECT, so no Python per row at all), in commits the
     size of the hub's; and the protocol decoder (orjson, pydantic) over the batched
     messages. The hub does both for every event, on two cores, so its batched rate
     cannot pass the slower of the two and stays below it by whatever else it does.
Draining a queue the broker already holds measures the consumer alone, not the publisher.
Each drain is timed from its first message's arrival to its last one's (the bare
subscriber) or commit (the hub): connecting, and starting the hub's receiver process and
workers, are not ingest, and in a drain of a few seconds they would weigh on one side.
With `--rounds R`, figures 1 and 2 are measured R times, each pair back to back, and the
single-event ratio is the median of the R pairs' ratios (all are printed).
"""

from __future__ import annotations

import logging
import platform
import sqlite3
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import orjson
import psutil
from rich.console import Console
from rich.table import Table

from edge_agent.outbox import Stamp, envelope_bytes
from edge_agent.simulation import TrafficModel, load_registry
from hub.bootstrap import build_hub
from hub.ledger.engine import SQLITE_PRAGMAS
from hub.ledger.event_rows import event_rows
from hub.ledger.types import sqlite_text
from hub.records import EventRecord
from hub.settings import BrokerSettings, IngestSettings, load_hub_settings
from sitewatch.bench.mqtt_baseline import BareSubscriber, publish_all
from sitewatch.brokers import MosquittoProcess
from sitewatch.protocol import Accepted, Topics, decode_events

SITE_KEY = b"bench-site-key-0123456789abcdef"
# The hub's default window, for the hub and the bare subscriber alike.
RECEIVE_MAXIMUM = BrokerSettings().receive_maximum
BARE = "bare paho subscriber, single-event messages"
SQLITE_ALONE = "ceiling: SQLite alone, INSERT … SELECT of the hub's rows"
DECODE_ALONE = "ceiling: protocol decoding alone (orjson + pydantic)"
SINGLE = "hub ingest, single-event messages"


@dataclass(frozen=True)
class Figure:
    """One measured rate."""

    name: str
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        """Events per second."""
        return self.events / self.seconds


def sample_envelopes(n: int) -> tuple[str, str, list[bytes]]:
    """N valid envelopes with the demo park's traffic mix, as the agent would send them."""
    registry = load_registry(None)
    gateway = registry.gateways[0].id
    model = TrafficModel(registry, gateway, SITE_KEY, seed=7)
    start = datetime(2026, 11, 18, 8, 0, tzinfo=UTC)
    stamp = Stamp(registry.site.id, gateway, time.time())
    drafts = model.rate_events(start, n, 200.0)
    return registry.site.id, gateway, [
        envelope_bytes(d, seq, stamp) for seq, d in enumerate(drafts, 1)
    ]


def event_messages(
    topic: str, payloads: list[bytes], per_message: int
) -> list[tuple[str, bytes]]:
    """The envelopes as messages on `topic`: one each, or JSON arrays of `per_message`."""
    if per_message == 1:
        return [(topic, p) for p in payloads]
    return [
        (topic, b"[" + b",".join(payloads[i : i + per_message]) + b"]")
        for i in range(0, len(payloads), per_message)
    ]


class DrainProbe(Protocol):
    """Told when a hub's timed drain starts and ends (tests/perf/ingest_threads.py)."""

    def started(self) -> None:
        """The first message has arrived: the timed part begins."""

    def finished(self, seconds: float) -> None:
        """The last event is committed, `seconds` after the first arrived; the hub still runs."""


def hub_drain(
    port: int, workdir: Path, messages: list[tuple[str, bytes]], events: int,
    receiver: str = "process", receive_maximum: int = RECEIVE_MAXIMUM,
    probe: DrainProbe | None = None,
) -> float:
    """Queue `messages` for the hub's session, then time the hub committing all `events`."""
    settings = load_hub_settings(
        None,
        ledger_url=f"sqlite:///{workdir / 'ledger.db'}",
        media_dir=str(workdir / "media"),
        broker={"port": port, "client_id": f"bench-hub-{workdir.name}",
                "receive_maximum": receive_maximum},
        ingest={"receiver": receiver},
        auth={"environment": "development"},  # the API is not served; no secret to guard
    )
    # First connection creates the persistent session and its subscriptions.
    hub = build_hub(settings)
    hub.ledger.migrate()
    hub.subscriber.start(hub.ingest.deliver)
    if not hub.subscriber.wait_connected(10):
        raise TimeoutError("hub did not connect")
    time.sleep(0.5)  # let the SUBACK land before leaving
    hub.subscriber.stop()
    publish_all(port, messages)

    hub = build_hub(settings)
    stop = threading.Event()
    started = time.perf_counter()
    hub.start(stop, serve_api=False)
    deadline = started + 600
    # Timed from the first message's arrival, as the bare subscriber is: starting the hub
    # (its receiver process, its workers, the connection) is not ingest.
    while hub.ingest.backlog == 0 and hub.ingest.counters.messages == 0:
        if time.perf_counter() > deadline:
            raise TimeoutError("the hub received nothing")
        time.sleep(0.0005)
    first = time.perf_counter()
    if probe is not None:
        probe.started()
    while hub.ingest.counters.events_stored < events and time.perf_counter() < deadline:
        time.sleep(0.001)
    elapsed = time.perf_counter() - first
    if probe is not None:
        probe.finished(elapsed)
    stored = hub.ingest.counters.events_stored
    stop.set()
    hub.close()
    if stored != events:
        raise RuntimeError(f"hub stored {stored} of {events} events")
    return elapsed


def _sqlite_executemany(workdir: Path, payloads: list[bytes], batch: int) -> float:
    """Raw sqlite3 executemany into the ledger's own events table, committing per batch."""
    from hub.ledger import Ledger

    url = f"sqlite:///{workdir / 'raw.db'}"
    ledger = Ledger.open(url)
    ledger.migrate()
    ledger.close()
    rows = []
    for payload in payloads:
        e = orjson.loads(payload)
        rows.append((
            e["id"], e["site"], e["gateway"], e["seq"], e["ts"], e["device"], e["kind"],
            e.get("subject"), e.get("result"), e.get("plate"), e["ts"], payload.decode(),
        ))
    db = sqlite3.connect(workdir / "raw.db")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    sql = ("INSERT INTO events (id, site, gateway, seq, ts, device, kind, subject, result, plate,"
           " received_at, body) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO NOTHING")
    started = time.perf_counter()
    for i in range(0, len(rows), batch):
        with db:
            db.executemany(sql, rows[i : i + batch])
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def _sqlite_alone(workdir: Path, accepted: list[Accepted], per_commit: int) -> tuple[int, float]:
    """SQLite's own insert of the hub's rows into the ledger's events table, no Python per row.

    The rows are the ones the hub's writer binds for the `accepted` events (timestamps as the
    ledger stores them, no enrichment), staged in an in-memory table first; the timed part is one
    `INSERT … SELECT … ON CONFLICT (id) DO NOTHING` and one commit per `per_commit` rows, the
    size of the hub's commits in a backlog, into a fresh ledger made by the real migrations.
    """
    from hub.ledger import Ledger

    url = f"sqlite:///{workdir / 'alone.db'}"
    ledger = Ledger.open(url)
    ledger.migrate()
    ledger.close()
    received_at = datetime.now(UTC)
    records = [EventRecord(a.event, a.body, received_at) for a in accepted]
    rows = event_rows(records, sqlite_text)
    db = sqlite3.connect(workdir / "alone.db", isolation_level=None)
    for pragma in SQLITE_PRAGMAS:  # the ledger's own connection settings
        db.execute(f"PRAGMA {pragma}")
    width = len(rows[0])
    db.execute("CREATE TEMP TABLE staged AS SELECT * FROM main.events WHERE 0")
    db.executemany(f"INSERT INTO temp.staged VALUES ({','.join('?' * width)})", rows)
    insert = ("INSERT INTO main.events SELECT * FROM temp.staged WHERE rowid > ? AND rowid <= ?"
              " ON CONFLICT (id) DO NOTHING")
    started = time.perf_counter()
    for first in range(0, len(rows), per_commit):
        db.execute("BEGIN IMMEDIATE")
        db.execute(insert, (first, first + per_commit))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    stored = db.execute("SELECT count(*) FROM main.events").fetchone()[0]
    db.close()
    if stored != len(rows):
        raise RuntimeError(f"SQLite stored {stored} of {len(rows)} rows")
    return len(rows), elapsed


def _decode_alone(topic: str, messages: list[tuple[str, bytes]]) -> tuple[list[Accepted], float]:
    """The hub's protocol decoder over the messages in one thread: parse, validate, body."""
    parsed = Topics().parse(topic)
    accepted: list[Accepted] = []
    started = time.perf_counter()
    for _, payload in messages:
        accepted += decode_events(parsed, payload).accepted
    return accepted, time.perf_counter() - started


def run_ingest_bench(
    events: int = 50_000, batch: int = 500, receive_maximum: int = RECEIVE_MAXIMUM,
    rounds: int = 1,
) -> list[Figure]:
    """Measure and print the figures and the targets they are held to.

    With `rounds` > 1 the bare subscriber and the hub drain single-event messages that
    many times, each pair back to back, and the ratio is judged by its median: on a
    shared virtual machine one drain's rate moves by ±30% from one minute to the next.
    """
    console = Console()
    logging.disable(logging.WARNING)  # the hubs' connect/disconnect notices are expected here
    console.print(f"[bold]sitewatch bench ingest[/]: {events} events, batches of {batch}, "
                  f"receive window {receive_maximum}, {rounds} round(s)")
    site, gateway, payloads = sample_envelopes(events)
    topic = f"sitewatch/v1/{site}/{gateway}/events"
    singles = event_messages(topic, payloads, 1)
    batches = event_messages(topic, payloads, batch)
    figures: list[Figure] = []
    ratios: list[float] = []
    with tempfile.TemporaryDirectory(prefix="sitewatch-bench-") as tmp:
        root = Path(tmp)
        broker = MosquittoProcess(root / "broker").start()

        def hub_figure(name: str, messages: list[tuple[str, bytes]], receiver: str) -> Figure:
            workdir = root / f"hub-{len(figures)}"
            workdir.mkdir()
            figures.append(Figure(name, events, hub_drain(
                broker.port, workdir, messages, events, receiver, receive_maximum)))
            console.print(f"  {figures[-1].name}: {figures[-1].rate:,.0f}/s")
            return figures[-1]

        try:
            for round_ in range(1, rounds + 1):
                suffix = f" (round {round_})" if rounds > 1 else ""
                bare = BareSubscriber(broker.port, f"bench-bare-{round_}", topic,
                                      receive_maximum)
                bare.connect()
                bare.disconnect()
                publish_all(broker.port, singles)
                bare_figure = Figure(f"{BARE}{suffix}", events, bare.drain(events))
                figures.append(bare_figure)
                console.print(f"  {bare_figure.name}: {bare_figure.rate:,.0f}/s")
                hub = hub_figure(f"{SINGLE}{suffix}", singles, "process")
                ratios.append(hub.rate / bare_figure.rate)
            hub_figure("hub ingest, single-event messages, subscription in the hub's process",
                       singles, "thread")
            batched = hub_figure(f"hub ingest, batches of {batch}", batches, "process")
        finally:
            broker.stop()
        figures.append(Figure(f"sqlite3 executemany, {batch} rows per commit", events,
                              _sqlite_executemany(root, payloads, batch)))
        accepted, decode_seconds = _decode_alone(topic, batches)
        decoding = Figure(f"{DECODE_ALONE}, batches of {batch}", len(accepted), decode_seconds)
        per_commit = IngestSettings().batch_max_events
        storing = Figure(f"{SQLITE_ALONE}, {per_commit} per commit",
                         *_sqlite_alone(root, accepted, per_commit))
        figures += [storing, decoding]
    _report(console, figures, ratios, batched.rate, min(storing.rate, decoding.rate))
    return figures


def _report(
    console: Console, figures: list[Figure], ratios: list[float], batched: float,
    ceiling: float,
) -> None:
    table = Table(title="durable ingest (SQLite ledger)")
    for column in ("measurement", "events", "seconds", "events/s"):
        table.add_column(column, justify="right" if column != "measurement" else "left")
    for f in figures:
        table.add_row(f.name, f"{f.events:,}", f"{f.seconds:.2f}", f"{f.rate:,.0f}")
    console.print(table)
    ratio = statistics.median(ratios)
    each = f" (rounds: {', '.join(f'{r:.2f}' for r in ratios)}; median)" if len(ratios) > 1 else ""
    console.print(
        f"single-event ingest / bare subscriber = {ratio:.2f}{each} (target ≥ 0.80: "
        f"{'met' if ratio >= 0.8 else 'NOT met'})"
    )
    console.print(
        f"batched ingest = {batched:,.0f} events/s (target ≥ 100,000: "
        f"{'met' if batched >= 100_000 else 'NOT met'})"
    )
    console.print(
        f"batched ceiling = {ceiling:,.0f} events/s: the slower of SQLite alone and decoding "
        f"alone, each a part of every event's work (target ≥ 100,000: "
        f"{'above' if ceiling >= 100_000 else 'BELOW'} this ceiling)"
    )
    console.print(
        f"machine: {platform.node()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {datetime.now(UTC):%Y-%m-%d}"
    )
