"""How ingest scales: events per message, one or two hub replicas, SQLite or PostgreSQL.

Run: .venv/bin/python -m tests.perf.ingest_scaling [--events 40000]
     [--batches 1,10,100,500,2000] [--plot docs/ingest-scaling.png]

Each configuration gets a fresh Mosquitto, a fresh ledger and fresh hub processes
(`sitewatch hub`, as shipped: alarms and statistics on; two replicas share the stream
through `broker.share_group`, each with its own client id). The hubs connect and
subscribe, are frozen (SIGSTOP, connections open), and the backlog is published to the
broker: the same N envelopes of the demo park's traffic mix, in messages of 1 to 2,000
events (sitewatch.bench.ingest.sample_envelopes and sitewatch.bench.mqtt_baseline
.publish_all, the ingest benchmark's own pieces). The hubs are then thawed (SIGCONT) and
the time until their /metrics count N events stored is the drain time; the ledger is
then checked to hold N distinct events. Replicas run on PostgreSQL only: SQLite is one
machine's ledger. Prints a markdown table and writes the plot (matplotlib, Agg).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import matplotlib
import matplotlib.ticker
import sqlalchemy as sa

from sitewatch.bench.ingest import Figure, event_messages, sample_envelopes
from sitewatch.bench.mqtt_baseline import publish_all
from tests.support.hub_process import HubProcess
from tests.support.servers import MosquittoServer, PostgresServer

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after choosing the backend

CONFIGS = [("sqlite", 1), ("postgresql", 1), ("postgresql", 2)]


@dataclass(frozen=True)
class Run:
    """One configuration's drain."""

    ledger: str
    replicas: int
    batch: int
    figure: Figure
    stored_rows: int
    hub_cpu_s: float  # all replicas together, during the drain


def drain(work: Path, postgres: PostgresServer | None, ledger: str, replicas: int,
          batch: int, payloads: list[bytes], topic: str, tag: str) -> Run:
    """Publish the backlog to frozen hubs, thaw them, time until all is stored."""
    broker = MosquittoServer(work / f"mosquitto-{tag}").start()
    url = postgres.create_database(f"scale_{tag}") if postgres else \
        f"sqlite:///{work / f'ledger-{tag}.db'}"
    hubs = [
        HubProcess(ledger_url=url, broker_port=broker.port, client_id=f"scale-{tag}-{n}",
                   workdir=work / f"hub-{tag}", share_group="hub" if replicas > 1 else None)
        for n in range(1, replicas + 1)
    ]
    try:
        for hub in hubs:
            hub.start()
        time.sleep(1.0)  # SUBACKs in
        for hub in hubs:
            hub.pause()
        messages = event_messages(topic, payloads, batch)
        publish_all(broker.port, messages)
        for hub in hubs:
            hub.resume()
        started = time.perf_counter()
        cpu_before = sum(h.cpu_seconds() for h in hubs)
        deadline = started + 600
        stored = 0
        while stored < len(payloads) and time.perf_counter() < deadline:
            time.sleep(0.02)
            stored = sum(h.events_stored() for h in hubs)
        elapsed = time.perf_counter() - started
        cpu = sum(h.cpu_seconds() for h in hubs) - cpu_before
        rows = ledger_rows(url)
    finally:
        for hub in hubs:
            hub.resume()  # a frozen process ignores SIGTERM until thawed
            hub.stop()
        broker.kill()
    return Run(ledger, replicas, batch, Figure(tag, len(payloads), elapsed), rows, cpu)


def ledger_rows(url: str) -> int:
    """Distinct events in the ledger."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as db:
            return int(db.execute(sa.text("SELECT count(DISTINCT id) FROM events")).scalar_one())
    finally:
        engine.dispose()


def table(runs: list[Run], batches: list[int]) -> str:
    """Markdown: one row per batch size, one column per configuration (events/s)."""
    header = "| events per message | " + " | ".join(
        f"{ledger}, {n} replica{'s' if n > 1 else ''}" for ledger, n in CONFIGS) + " |"
    lines = [header, "|---:|" + "---:|" * len(CONFIGS)]
    for batch in batches:
        cells = []
        for ledger, n in CONFIGS:
            run = next(r for r in runs if (r.ledger, r.replicas, r.batch) == (ledger, n, batch))
            cells.append(f"{run.figure.rate:,.0f}")
        lines.append(f"| {batch:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(runs: list[Run], batches: list[int], path: Path, subtitle: str) -> None:
    """Events/s against events per message, a line per configuration."""
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for ledger, n in CONFIGS:
        rates = [next(r.figure.rate for r in runs
                      if (r.ledger, r.replicas, r.batch) == (ledger, n, b)) for b in batches]
        ax.plot(batches, rates, marker="o",
                label=f"{ledger}, {n} replica{'s' if n > 1 else ''}")
    ax.set_xscale("log")
    ax.set_xticks(batches, [str(b) for b in batches])
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_xlabel("events per MQTT message")
    ax.set_ylabel("events committed per second")
    ax.set_title("sitewatch hub ingest: draining a queued backlog", fontsize=11)
    fig.text(0.5, 0.005, subtitle, ha="center", fontsize=7, color="#555")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def main() -> int:
    """Measure every configuration; 0 if every drain stored every event exactly once."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=40_000)
    parser.add_argument("--batches", default="1,10,100,500,2000")
    parser.add_argument("--plot", type=Path, default=Path("docs/ingest-scaling.png"))
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    site, gateway, payloads = sample_envelopes(args.events)
    topic = f"sitewatch/v1/{site}/{gateway}/events"
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="sitewatch-scaling-") as tmp:
        work = Path(tmp)
        postgres = PostgresServer().start()  # its own directory: the postgres user reads it
        try:
            for ledger, replicas in CONFIGS:
                for batch in batches:
                    tag = f"{ledger[:2]}{replicas}b{batch}"
                    run = drain(work, postgres if ledger == "postgresql" else None, ledger,
                                replicas, batch, payloads, topic, tag)
                    runs.append(run)
                    print(f"  {ledger:10s} {replicas} replica(s)  {batch:5d} events/message: "
                          f"{run.figure.rate:9,.0f} events/s ({run.figure.seconds:.2f} s, "
                          f"hub CPU {run.hub_cpu_s:.1f} s, {run.stored_rows:,} in the ledger)",
                          flush=True)
        finally:
            postgres.destroy()
    machine = (f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
               f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.events:,} events per drain")
    print()
    print(table(runs, batches))
    print(f"\nmachine: {machine}; load average {os.getloadavg()[0]:.1f}")
    plot(runs, batches, args.plot, machine)
    print(f"wrote {args.plot}")
    complete = all(r.stored_rows == args.events for r in runs)
    if not complete:
        print("SOME DRAINS DID NOT STORE EVERY EVENT")
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
