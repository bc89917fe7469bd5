"""Benchmark: ledger reads at 10 million events, on SQLite and on PostgreSQL (issue 4).

Run: .venv/bin/python -m tests.perf.ledger_search [--events 10000000]
         [--engine sqlite|postgresql|both] [--reuse DIR] [--pg-url URL] [--rounds 1]

Target: p95 at most 50 ms for each of these, timed on the wall clock in this process
around the calls the hub's API makes, so including the pool checkout (and PostgreSQL's
pre-ping), the SQL round trips and decoding rows to items:
  search   `Ledger.search_events(EventQuery(subject=…, since=t, until=t + 24 h, limit=100))`;
  scoped   the same with `site=` the subject's site, as a property manager's search is made;
  media    GET /events/{id} of an event with footage: `Ledger.get_event(id)`, then
           hub.api.event_evidence.event_detail (the camera events at its gate within
           ±60 s, and `Ledger.media_paths` of all their media);
  gate     the same for a person's access or place scan at a gate with cameras.

The ledger (tests/perf/ledger_search_data.py says how it is made) and everything else of
a run stays in the benchmark directory: `--reuse DIR` skips generating and loading what
it holds and only measures again. Measuring: first the calls are drawn, --queries of each
operation (searches: 80% a 24 h window around an event of the subject, 10% a random day
of a known subject, 10% an unknown subject; details: random events with media, random
person events found by those searches at gates with cameras). Then each engine starts
cold, its files evicted from the OS page cache (posix_fadvise; with --pg-url only the
connection is fresh), and the first call of each operation is timed as "cold 1st"; after
a warm-up of 100 calls each, --rounds rounds time every call, in random order. The plans
of the exact SQL the ledger issued are printed (EXPLAIN QUERY PLAN; EXPLAIN ANALYZE on
PostgreSQL). Exits 1 if the p95 of an operation, median over the rounds, exceeds 50 ms.

PostgreSQL is a server of the benchmark's own (tests.support.servers.PostgresServer, its
cluster kept in DIR/postgresql) with shared_buffers=6GB, a quarter of this 24 GB machine,
unless --pg-url names another one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from rich.table import Table
from sqlalchemy import Engine, event

from hub.api.event_evidence import cameras_for, event_detail
from hub.ledger import Ledger
from hub.ledger.engine import create_ledger_engine
from hub.ledger.migrate import schema_drift
from hub.records import EventQuery
from hub.registry import build_snapshot
from hub.registry.snapshot import RegistrySnapshot
from tests.perf.ledger_search_data import (
    LoadReport,
    bench_sites,
    console,
    generate,
    libpq_url,
    load_postgresql,
    load_sqlite,
)
from tests.support.servers import PostgresServer

TARGET_MS = 50.0
DEFAULT_EVENTS = 10_000_000
AROUND_S = 60  # the API's default window of camera events around an event
WARM_UP = 100
OPERATIONS = {
    "search": "subject, 24 h",
    "scoped": "site + subject, 24 h",
    "media": "detail: camera event w/ media",
    "gate": "detail: person at a gate",
}
PG_SETTINGS = {
    "shared_buffers": "6GB",
    "effective_cache_size": "16GB",
    "maintenance_work_mem": "1GB",
    "max_parallel_maintenance_workers": "1",
    # For the load: with these, COPY into a table truncated in the same transaction
    # writes no WAL. Neither changes how a read runs.
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
}


# -------------------------------------------------------------------------- workload


@dataclass(frozen=True)
class Search:
    """One search to run: a subject over 24 hours, in one site or all."""

    subject: str
    since: datetime
    until: datetime
    site: str | None = None


@dataclass(frozen=True)
class Workload:
    """What every engine is asked, drawn once per run from the corpus."""

    searches: list[Search]
    scoped: list[Search]
    media_events: list[str]
    gate_events: list[str]
    snapshot: RegistrySnapshot


def plan_searches(corpus: dict[str, Any], count: int, rng: random.Random) -> list[Search]:
    """80% windows around an event of the subject, 10% a random day, 10% unknown subjects."""
    first = datetime.fromisoformat(corpus["first_day"]).replace(tzinfo=UTC)
    span = (datetime.fromisoformat(corpus["last_day"]).replace(tzinfo=UTC) - first).total_seconds()
    searches = []
    for n in range(count):
        if n % 10 < 8:
            subject, at = rng.choice(corpus["subject_events"])
            since = datetime.fromisoformat(at) - timedelta(seconds=rng.uniform(0, 86_400))
        else:
            subject = rng.choice(corpus["subjects"]) if n % 10 == 8 else rng.randbytes(32).hex()
            since = first + timedelta(seconds=rng.uniform(0, span))
        since = since.astimezone(UTC).replace(microsecond=0)
        searches.append(Search(subject, since, since + timedelta(hours=24)))
    rng.shuffle(searches)
    return searches


def plan_workload(url: str, corpus: dict[str, Any], args: argparse.Namespace) -> Workload:
    """The searches and events to read; gate events are found with the searches (untimed)."""
    rng = random.Random(args.seed)
    searches = plan_searches(corpus, args.queries, rng)
    sites = bench_sites(len(corpus["sites"]), corpus.get("seed", args.seed))
    snapshot = build_snapshot(1, [site.registry for site in sites])
    site_of = {p.pseudonym: site.id for site in sites for p in site.registry.persons}
    scoped = [replace(s, site=site_of.get(s.subject) or rng.choice(corpus["sites"]))
              for s in searches]
    media_events = [rng.choice(corpus["media_events"])[0] for _ in range(args.queries)]
    ledger = Ledger.open(url)
    at_gates = [
        str(item["id"])
        for search in searches
        for item in ledger.search_events(_query(search)).items
        if item["kind"] in ("access", "place_scan") and cameras_for(item, snapshot)
    ]
    ledger.close()
    gate_events = [rng.choice(at_gates) for _ in range(args.queries)]
    return Workload(searches, scoped, media_events, gate_events, snapshot)


def _query(search: Search) -> EventQuery:
    return EventQuery(subject=search.subject, site=search.site, since=search.since,
                      until=search.until, limit=100)


def run_search(ledger: Ledger, search: Search) -> int:
    """One search as the API makes it; how many events it found."""
    return len(ledger.search_events(_query(search)).items)


def run_detail(ledger: Ledger, snapshot: RegistrySnapshot, event_id: str) -> int:
    """GET /events/{id} as the API serves it; how many stored media objects it links."""
    item = ledger.get_event(event_id)
    if item is None:
        raise RuntimeError(f"event {event_id} missing")
    detail = event_detail(ledger, item, snapshot, AROUND_S)
    links = [*detail.media, *(link for c in detail.camera_events for link in c.media)]
    return sum(1 for link in links if link.stored)


# --------------------------------------------------------------------------- measure


def timed(call: Callable[[], int]) -> tuple[float, int]:
    """Milliseconds one call takes, and what it returned."""
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


@dataclass(frozen=True)
class Latencies:
    """A sample of latencies in ms."""

    ms: list[float]

    def quantile(self, q: float) -> float:
        """The q-quantile (nearest rank)."""
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


@dataclass
class EngineResult:
    """What one engine measured."""

    engine: str
    load: LoadReport | None
    cold: dict[str, float]
    rounds: dict[str, list[Latencies]]
    returned: dict[str, list[int]]  # per operation, what each call of the last round found
    plans: dict[str, list[str]]


def measure(engine: str, url: str, work: Workload, args: argparse.Namespace,
            load: LoadReport | None) -> EngineResult:
    """Cold first calls, a warm-up, then `args.rounds` rounds of every operation."""
    rng = random.Random(args.seed)
    captured = _capture_sql()
    ledger = Ledger.open(url)
    calls: dict[str, list[Callable[[], int]]] = {
        "search": [partial(run_search, ledger, s) for s in work.searches],
        "scoped": [partial(run_search, ledger, s) for s in work.scoped],
        "media": [partial(run_detail, ledger, work.snapshot, i) for i in work.media_events],
        "gate": [partial(run_detail, ledger, work.snapshot, i) for i in work.gate_events],
    }
    cold = {name: timed(ops[0])[0] for name, ops in calls.items()}
    for ops in calls.values():
        for call in ops[:WARM_UP]:
            call()
    rounds: dict[str, list[Latencies]] = {name: [] for name in calls}
    returned: dict[str, list[int]] = {}
    for n in range(args.rounds):
        figures = []
        for name, ops in calls.items():
            rng.shuffle(ops)
            samples = [timed(call) for call in ops]
            rounds[name].append(Latencies([ms for ms, _ in samples]))
            returned[name] = [found for _, found in samples]
            figures.append(f"{name} p95 {rounds[name][-1].quantile(0.95):.2f} ms")
        console.print(f"  {engine} round {n + 1}: " + ", ".join(figures))
    hit = next(n for n, s in enumerate(work.searches) if run_search(ledger, s) > 0)
    ledger.close()
    plans = explain(url, captured, lambda ledger_: (
        run_search(ledger_, work.searches[hit]),
        run_search(ledger_, work.scoped[hit]),
        run_detail(ledger_, work.snapshot, work.media_events[0]),
        run_detail(ledger_, work.snapshot, work.gate_events[0]),
    ))
    event.remove(Engine, "before_cursor_execute", captured.listener)
    return EngineResult(engine, load, cold, rounds, returned, plans)


@dataclass
class CapturedSql:
    """The last statement of each kind the ledger sent."""

    statements: dict[str, tuple[str, Any]]
    listener: Callable[..., None]


def _capture_sql() -> CapturedSql:
    statements: dict[str, tuple[str, Any]] = {}

    def listener(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM media" in statement:
            statements["media paths"] = (statement, parameters)
        elif "FROM events" in statement and "ORDER BY" not in statement:
            statements["get event"] = (statement, parameters)
        elif "events.device IN" in statement:
            statements["camera events around"] = (statement, parameters)
        elif "events.subject =" in statement:
            key = "search, site + subject" if "events.site =" in statement else "search, subject"
            statements[key] = (statement, parameters)

    event.listen(Engine, "before_cursor_execute", listener)
    return CapturedSql(statements, listener)


def explain(url: str, captured: CapturedSql,
            issue: Callable[[Ledger], object]) -> dict[str, list[str]]:
    """The plan of each statement `issue` makes the ledger send (EXPLAIN ANALYZE on PG)."""
    engine = create_ledger_engine(url)
    captured.statements.clear()
    issue(Ledger(engine))
    sqlite = engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    plans = {}
    with engine.connect() as connection:
        for name, (statement, parameters) in sorted(captured.statements.items()):
            rows = connection.exec_driver_sql(prefix + statement, parameters).all()
            plans[name] = [f"{' '.join(statement.split())}  -- {parameters}"] + [
                str(row[-1]) if sqlite else str(row[0]) for row in rows
            ]
    engine.dispose()
    return plans


def evict(paths: list[Path]) -> None:
    """Drop these files' pages from the OS page cache (after writing back dirty ones)."""
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fdatasync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


# ---------------------------------------------------------------------------- report


def report(results: list[EngineResult], corpus: dict[str, Any]) -> bool:
    """Print the figures; True if every median-of-rounds p95 is within the target."""
    console.print(
        f"\ncorpus: {corpus['events']:,} events, {len(corpus['sites'])} sites x 2 gateways, "
        f"{corpus['days']} days ({corpus['first_day']} to {corpus['last_day']}), "
        f"{corpus['media_objects']:,} media objects"
    )
    table = Table(title=f"ledger reads at {corpus['events']:,} events (ms; target p95 ≤ "
                        f"{TARGET_MS:.0f}; median round of {len(results[0].rounds['search'])})")
    for column in ("engine", "operation", "n", "cold 1st", "p50", "p95", "p99", "max", ""):
        table.add_column(column, justify="left" if column in ("engine", "operation") else "right")
    ok = True
    for result in results:
        for name, label in OPERATIONS.items():
            rounds = result.rounds[name]
            p95s = [r.quantile(0.95) for r in rounds]
            middle = rounds[p95s.index(sorted(p95s)[(len(p95s) - 1) // 2])]
            p95 = statistics.median(p95s)
            passed = p95 <= TARGET_MS
            ok &= passed
            table.add_row(
                result.engine, label, f"{len(middle.ms)}", f"{result.cold[name]:.1f}",
                f"{middle.quantile(0.5):.2f}", f"{p95:.2f}", f"{middle.quantile(0.99):.2f}",
                f"{max(middle.ms):.2f}", "[green]ok[/]" if passed else "[red]MISSED[/]",
            )
    console.print(table)
    for result in results:
        found = result.returned["search"]
        console.print(
            f"{result.engine}: searches found {statistics.mean(found):.1f} events on average, "
            f"at most {max(found)}, none in {sum(1 for n in found if n == 0)} of {len(found)}; "
            f"details linked {statistics.mean(result.returned['media']):.1f} (camera event) "
            f"and {statistics.mean(result.returned['gate']):.1f} (gate) media on average"
        )
        if result.load is not None:
            console.print(f"{result.engine} load: {result.load.describe()}")
        for name, lines in result.plans.items():
            console.print(f"[bold]{result.engine} plan of {name}[/]:")
            for line in lines:
                console.print(f"    {line}", markup=False, highlight=False, soft_wrap=True)
    return ok


# ------------------------------------------------------------------------------ main


def prepare_dir(args: argparse.Namespace) -> Path:
    """The benchmark directory: --reuse DIR, or a new one under --workdir."""
    if args.reuse is not None:
        directory: Path = args.reuse
        directory.mkdir(parents=True, exist_ok=True)
    else:
        directory = Path(tempfile.mkdtemp(prefix="sitewatch-ledger-search-", dir=args.workdir))
    directory.chmod(0o755)  # the postgres user keeps its cluster in here
    return directory


def corpus_of(directory: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The corpus in `directory`, generated first if it is not there (or is incomplete)."""
    path = directory / "corpus.json"
    if not path.exists():
        events_total = args.events or DEFAULT_EVENTS
        console.print(f"generating {events_total:,} events into {directory}")
        started = time.perf_counter()
        generate(directory, events_total, args.sites, args.media, args.seed)
        console.print(f"  generated in {time.perf_counter() - started:.0f} s")
    corpus: dict[str, Any] = json.loads(path.read_text())
    if args.events is not None and args.events != corpus["events"]:
        sys.exit(f"{directory} holds {corpus['events']:,} events, not {args.events:,}")
    return corpus


def loaded(directory: Path, engine: str, url: str, rows: int,
           load: Callable[[], LoadReport]) -> LoadReport:
    """The load report of `engine`, loading first unless an earlier run finished it."""
    marker = directory / f"loaded-{engine}.json"
    if marker.exists():
        done = json.loads(marker.read_text())
        if done["url"] == url:
            return LoadReport(**done["report"])
    console.print(f"loading {rows:,} events into {engine}")
    result = load()
    if result.rows != rows:
        raise RuntimeError(f"{engine} holds {result.rows} events, expected {rows}")
    marker.write_text(json.dumps({"url": url, "report": result.__dict__}))
    return result


def check_schema(url: str) -> None:
    """Warn if the loaded schema is not exactly what the migrations make."""
    drift = schema_drift(url)
    if drift:
        console.print(f"[red]schema drift after the load[/]: {drift}")


def bench_sqlite(directory: Path, corpus: dict[str, Any],
                 args: argparse.Namespace) -> EngineResult:
    """Load (if needed) and measure the SQLite ledger."""
    path = directory / "sqlite" / "ledger.db"
    url = f"sqlite:///{path}"
    load = loaded(directory, "sqlite", url, corpus["events"],
                  lambda: load_sqlite(directory, corpus["events"]))
    check_schema(url)
    work = plan_workload(url, corpus, args)
    files = list(path.parent.glob("ledger.db*"))
    console.print(f"sqlite size: {sum(p.stat().st_size for p in files) / 2**30:.2f} GiB")
    evict(files)
    return measure("sqlite", url, work, args, load)


def bench_postgresql(directory: Path, corpus: dict[str, Any],
                     args: argparse.Namespace) -> EngineResult:
    """Start (or use) a PostgreSQL server, load it if needed, measure."""
    server: PostgresServer | None = None
    if args.pg_url:
        url = args.pg_url
    else:
        server = PostgresServer(root=directory / "postgresql", settings=PG_SETTINGS).start()
        url = server.url("ledger")
        with psycopg.connect(libpq_url(server.url("postgres")), autocommit=True) as db:
            if db.execute("SELECT 1 FROM pg_database WHERE datname = 'ledger'").fetchone() is None:
                server.create_database("ledger")
    try:
        # Our own server's URL changes with its port: the marker names the server instead.
        load = loaded(directory, "postgresql", args.pg_url or "own server", corpus["events"],
                      lambda: load_postgresql(directory, url, corpus["events"]))
        check_schema(url)
        work = plan_workload(url, corpus, args)
        with psycopg.connect(libpq_url(url)) as db:
            found = db.execute("SELECT pg_database_size(current_database()), "
                               "pg_total_relation_size('events'), pg_indexes_size('events')")
            sizes = found.fetchone() or (0, 0, 0)
        console.print(f"postgresql sizes: database {sizes[0] / 2**30:.2f} GiB, events with "
                      f"indexes {sizes[1] / 2**30:.2f} GiB, its indexes {sizes[2] / 2**30:.2f} GiB")
        if server is not None:
            server.stop()  # a cold start: empty shared buffers, files out of the page cache
            evict([p for p in (server.datadir / "base").rglob("*") if p.is_file()])
            server.start()
        return measure("postgresql", url, work, args, load)
    finally:
        if server is not None:
            server.stop()


def main() -> None:
    """Generate, load and measure, as the module's docstring says."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=None,
                        help=f"events in the ledger (default {DEFAULT_EVENTS:,})")
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--reuse", type=Path, default=None,
                        help="benchmark directory of an earlier run: skip what it holds")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp"),
                        help="where a new benchmark directory is made")
    parser.add_argument("--pg-url", default=None, help="PostgreSQL to use instead of our own")
    parser.add_argument("--sites", type=int, default=6, help="copies of the demo site")
    parser.add_argument("--media", type=int, default=4000, help="about how many media objects")
    parser.add_argument("--queries", type=int, default=500, help="of each kind, per round")
    parser.add_argument("--rounds", type=int, default=1, help="measurement rounds")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    directory = prepare_dir(args)
    corpus = corpus_of(directory, args)
    results = []
    if args.engine in ("sqlite", "both"):
        results.append(bench_sqlite(directory, corpus, args))
    if args.engine in ("postgresql", "both"):
        results.append(bench_postgresql(directory, corpus, args))
    ok = report(results, corpus)
    console.print(f"benchmark directory: {directory} (rerun with --reuse {directory})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
