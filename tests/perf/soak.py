"""Soak: 500 simulated gateways at 5,000 events/s together into one hub, for 10 minutes.

Run: .venv/bin/python -m tests.perf.soak [--minutes 10] [--gateways 500] [--rate 5000]
     [--ledger sqlite|postgresql] [--batch-threshold 1] [--csv soak.csv]
     (a first try: --minutes 1)

A Mosquitto of its own; the hub as shipped (`sitewatch hub`: alarms, statistics, live
stream) in a child process on a SQLite ledger (or a PostgreSQL of its own); the fleet
(`sitewatch simulate`'s engine) in another child process. This process holds one
security user's live stream (SSE) and takes the latency of every event on it: the time
it is read here minus its `ts`, which the simulated gateway stamps when it appends the
event to its outbox (one clock: the same machine). Every --sample-s it records the hub's
RSS and CPU, the fleet's outbox depth and in-flight messages, events emitted and stored,
and the interval's live latency; the rows go to --csv.

At the end the fleet flushes and stops, the hub drains, and the ledger is counted. Exits
non-zero unless: memory is flat (mean hub RSS over the last third within 10% of the
second third's), the outboxes did not grow and the hub kept up (the last third's mean
outbox depth, and its mean of events emitted but not yet stored, exceed the second
third's by less than one second of events), and every event is stored exactly once.
The live stream is filtered to one kind (--live-kind, default access): this process
parses it in Python and would itself fall behind on all 5,000 events/s.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import platform
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event as ProcessEvent
from pathlib import Path
from statistics import mean
from typing import Any

import httpx
import orjson
import psutil
import sqlalchemy as sa

from edge_agent.simulation.fleet import Fleet, FleetSettings, FleetStats
from tests.perf.live_latency import percentile
from tests.support.auth import add_user, token_headers
from tests.support.hub_process import HubProcess
from tests.support.servers import MosquittoServer, PostgresServer
from tests.support.sse import SseMessage, SseReader


def run_fleet(settings: dict[str, Any], reports: Queue[Any], stop: ProcessEvent,
              every_s: float) -> None:
    """The fleet's child process: report every `every_s`, then the final stats, then exit."""
    halt = threading.Event()

    def relay() -> None:
        stop.wait()
        halt.set()

    threading.Thread(target=relay, daemon=True).start()
    fleet = Fleet(FleetSettings(**settings))
    final = fleet.run(halt, lambda s: reports.put(("report", asdict(s))), every_s)
    reports.put(("final", asdict(final)))


class LiveLatency:
    """Latency of each event on the live stream: read time (wall clock) minus its `ts`."""

    def __init__(self) -> None:
        self._offset = time.time() - time.perf_counter()  # SseMessage.received → wall clock
        self._lock = threading.Lock()
        self.interval: list[float] = []
        self.all: list[float] = []
        self.received = 0
        self.dropped = 0

    def arrived(self, message: SseMessage, reader: SseReader) -> None:
        """The stream's callback (its reading thread)."""
        reader.messages.clear()  # the reader keeps everything otherwise: 3M messages
        if message.event == "dropped":
            with self._lock:
                self.dropped += 1
            return
        if message.event != "event":
            return
        ts = datetime.fromisoformat(orjson.loads(message.data)["ts"]).timestamp()
        latency = message.received + self._offset - ts
        with self._lock:
            self.received += 1
            self.interval.append(latency)

    def take_interval(self) -> list[float]:
        """This interval's latencies (sorted), kept for the overall figures too."""
        with self._lock:
            taken, self.interval = self.interval, []
        self.all.extend(taken)
        return sorted(taken)


class CpuMeter:
    """Share of one core that some processes used since the last reading."""

    def __init__(self, pids: list[int]) -> None:
        self._pids = pids
        self._last = (time.monotonic(), self._seconds())

    def _seconds(self) -> float:
        total = 0.0
        for pid in self._pids:
            try:
                process = psutil.Process(pid)
                for p in [process, *process.children(recursive=True)]:
                    times = p.cpu_times()
                    total += times.user + times.system
            except psutil.Error:
                continue
        return total

    def percent(self) -> float:
        """Percent of one core since the previous call."""
        now, seconds = time.monotonic(), self._seconds()
        (then, before), self._last = self._last, (now, seconds)
        return round(100 * (seconds - before) / max(now - then, 1e-3), 1)


def postmaster_pid(server: PostgresServer) -> int:
    """The postmaster's pid (the server may run under runuser)."""
    return int((server.datadir / "postmaster.pid").read_text().split()[0])


@dataclass
class Row:
    """One sample."""

    t_s: float
    hub_rss_mb: float  # the hub and its children (the MQTT receiver, the forkserver)
    hub_main_rss_mb: float  # the hub's own process
    sqlite_connections: int  # the hub's open connections to a SQLite ledger
    sqlite_heap_mb: float  # SQLite's heap in the hub's process (0 on PostgreSQL)
    hub_cpu_pct: float
    fleet_cpu_pct: float
    ledger_cpu_pct: float  # PostgreSQL's processes (0 with SQLite: it is in the hub's)
    emitted: int
    stored: int
    hub_lag: int  # emitted and not yet stored: queued in the broker or in the hub
    outbox_depth: int
    inflight: int
    connected: int
    live_received: int
    live_p50_ms: float
    live_p99_ms: float
    live_dropped: int


def main() -> int:
    """Run the soak; 0 if memory stayed flat, outboxes did not grow and nothing was lost."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--gateways", type=int, default=500)
    parser.add_argument("--rate", type=float, default=5000.0, help="events/s, all together")
    parser.add_argument("--ledger", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--batch-threshold", type=int, default=1,
                        help="the fleet's: 1 = each gateway's tick as one message; 50 = the "
                        "agent's default, one event per message")
    parser.add_argument("--live-kind", default="access",
                        help="event kind the live stream is filtered to ('all' for every "
                        "event: at 5,000/s this process's SSE parsing then lags the hub)")
    parser.add_argument("--sample-s", type=float, default=10.0)
    parser.add_argument("--csv", type=Path, default=Path("soak.csv"))
    args = parser.parse_args()
    spawn = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="sitewatch-soak-") as tmp:
        work = Path(tmp)
        broker = MosquittoServer(work / "mosquitto").start()
        postgres = PostgresServer().start() if args.ledger == "postgresql" \
            else None
        ledger_url = postgres.create_database("soak") if postgres else \
            f"sqlite:///{work / 'ledger.db'}"
        hub = HubProcess(ledger_url=ledger_url, broker_port=broker.port,
                         client_id="soak-hub", workdir=work / "hub").start()
        print(f"hub process {hub.pid} on {args.ledger}; broker {broker.port}", flush=True)
        reports: Queue[Any] = spawn.Queue()
        stop = spawn.Event()
        fleet_settings = {
            "broker_port": broker.port, "gateways": args.gateways, "total_rate": args.rate,
            "data_dir": work / "outboxes", "batch_threshold": args.batch_threshold,
        }
        child = spawn.Process(target=run_fleet, name="fleet",
                              args=(fleet_settings, reports, stop, args.sample_s))
        try:
            add_user(ledger_url, "soak-guard", "security")
            with httpx.Client(base_url=hub.url, timeout=10) as client:
                headers = token_headers(client, "soak-guard")
            live = LiveLatency()
            params = {"types": "events"} | (
                {"kind": args.live_kind} if args.live_kind != "all" else {})
            stream = SseReader(hub.url, headers, params=params,
                               on_message=lambda m: live.arrived(m, stream)).start()
            child.start()
            assert child.pid is not None
            meters = (CpuMeter([hub.pid]), CpuMeter([child.pid]),
                      CpuMeter([postmaster_pid(postgres)] if postgres else []))
            rows, final = soak(args, hub, reports, live, stop, meters)
            stream.close()
            ledger_rows, distinct = count_ledger(ledger_url)
        finally:
            stop.set()
            child.join(60)
            if child.is_alive():
                child.kill()
            hub.stop()
            broker.kill()
            if postgres is not None:
                postgres.destroy()
    write_csv(args.csv, rows)
    return summarise(args, rows, final, live, ledger_rows, distinct)


def soak(args: argparse.Namespace, hub: HubProcess, reports: Queue[Any], live: LiveLatency,
         stop: ProcessEvent, meters: tuple[CpuMeter, CpuMeter, CpuMeter],
         ) -> tuple[list[Row], FleetStats]:
    """Sample until the time is up, then stop the fleet and let the hub drain."""
    rows: list[Row] = []
    started = time.monotonic()
    hub_cpu, fleet_cpu, ledger_cpu = meters
    end = started + args.minutes * 60
    while time.monotonic() < end:
        kind, report = reports.get(timeout=args.sample_s * 6 + 120)
        stats = FleetStats(**report)
        now = time.monotonic()
        latencies = live.take_interval()
        metrics = hub.metrics()
        stored = int(metrics.get("sitewatch_ingest_events_stored_total", 0))
        rows.append(Row(
            t_s=round(now - started, 1),
            hub_rss_mb=round(hub.rss() / 2**20, 1),
            hub_main_rss_mb=round(hub.main_rss() / 2**20, 1),
            sqlite_connections=hub.open_database_files("ledger.db"),
            sqlite_heap_mb=round(
                metrics.get("sitewatch_ledger_sqlite_memory_bytes", 0) / 2**20, 1),
            hub_cpu_pct=hub_cpu.percent(), fleet_cpu_pct=fleet_cpu.percent(),
            ledger_cpu_pct=ledger_cpu.percent(),
            emitted=stats.emitted, stored=stored, hub_lag=stats.emitted - stored,
            outbox_depth=stats.outbox_depth, inflight=stats.inflight,
            connected=stats.connected, live_received=live.received,
            live_p50_ms=round(percentile(latencies, 0.5) * 1000, 1) if latencies else 0.0,
            live_p99_ms=round(percentile(latencies, 0.99) * 1000, 1) if latencies else 0.0,
            live_dropped=live.dropped,
        ))
        print("  " + "  ".join(f"{k} {v}" for k, v in asdict(rows[-1]).items()), flush=True)
    stop.set()
    while True:
        kind, report = reports.get(timeout=120)
        if kind == "final":
            final = FleetStats(**report)
            break
    deadline = time.monotonic() + 120
    while hub.events_stored() < final.emitted and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2.0)  # the last commits' fan-out to the live stream
    return rows, final


def count_ledger(url: str) -> tuple[int, int]:
    """Rows in the events table, and distinct (gateway, seq) pairs."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as db:
            rows, distinct = db.execute(sa.text(
                "SELECT count(*), count(DISTINCT gateway || ':' || seq) FROM events"
            )).one()
    finally:
        engine.dispose()
    return int(rows), int(distinct)


def write_csv(path: Path, rows: list[Row]) -> None:
    """One line per sample."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(Row.__dataclass_fields__))
        writer.writeheader()
        writer.writerows(asdict(r) for r in rows)


def summarise(args: argparse.Namespace, rows: list[Row], final: FleetStats,
              live: LiveLatency, ledger_rows: int, distinct: int) -> int:
    """Print the figures and the verdicts; 0 if all hold."""
    third = max(1, len(rows) // 3)
    second, last = rows[third : 2 * third], rows[-third:]
    rss2, rss3 = mean(r.hub_rss_mb for r in second), mean(r.hub_rss_mb for r in last)
    depth2, depth3 = mean(r.outbox_depth for r in second), mean(r.outbox_depth for r in last)
    ordered = sorted(live.all)
    p50, p95, p99 = (percentile(ordered, f) * 1000 for f in (0.5, 0.95, 0.99)) if ordered \
        else (float("nan"),) * 3
    lag2, lag3 = mean(r.hub_lag for r in second), mean(r.hub_lag for r in last)
    memory_flat = abs(rss3 - rss2) <= 0.10 * rss2
    no_growth = depth3 - depth2 < args.rate  # less than one second of events
    keeps_up = lag3 - lag2 < args.rate
    exactly_once = ledger_rows == distinct == final.emitted
    print(f"\nsoak: {args.gateways} gateways, {args.rate:g} events/s together, "
          f"{args.minutes:g} min, {args.ledger} ledger, batch threshold {args.batch_threshold}")
    print(f"  hub RSS (MB) per sample: {', '.join(f'{r.hub_rss_mb:.0f}' for r in rows)}")
    print(f"  hub RSS second third {rss2:.1f} MB, last third {rss3:.1f} MB "
          f"({100 * (rss3 - rss2) / rss2:+.1f}%): {'flat' if memory_flat else 'NOT flat'}")
    print(f"  outbox depth (all gateways) per sample: "
          f"{', '.join(str(r.outbox_depth) for r in rows)}")
    print(f"  outbox depth second third {depth2:.0f}, last third {depth3:.0f}: "
          f"{'no growth' if no_growth else 'GROWING'}")
    print(f"  hub lag (emitted, not yet stored) per sample: "
          f"{', '.join(str(r.hub_lag) for r in rows)}; second third {lag2:.0f}, last third "
          f"{lag3:.0f}: {'hub keeps up' if keeps_up else 'HUB FALLING BEHIND'}")
    print(f"  CPU, % of one core (mean): hub {mean(r.hub_cpu_pct for r in rows):.0f}, "
          f"fleet {mean(r.fleet_cpu_pct for r in rows):.0f}, "
          f"PostgreSQL {mean(r.ledger_cpu_pct for r in rows):.0f}")
    print(f"  live latency (append to outbox → read from the hub's SSE stream, kind "
          f"{args.live_kind}) over "
          f"{len(ordered):,} events: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, "
          f"max {(ordered[-1] * 1000 if ordered else float('nan')):.1f} ms; "
          f"dropped notices {live.dropped}")
    print(f"  emitted {final.emitted:,}; ledger rows {ledger_rows:,}, distinct "
          f"(gateway, seq) {distinct:,}: {'exactly once' if exactly_once else 'MISMATCH'}")
    print(f"  machine: {platform.node()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; csv {args.csv}")
    return 0 if memory_flat and no_growth and keeps_up and exactly_once else 1


if __name__ == "__main__":
    sys.exit(main())
