"""Benchmark: the hub's time-series writer against posting pre-built line protocol.

Run: .venv/bin/python -m tests.perf.timeseries_write [--events 200000] [--batch 5000]

Starts VictoriaMetrics of its own, then measures, against the same endpoint:
  (a) POSTs of pre-built line protocol with a plain HTTP client (httpx, keep-alive),
      batches of --batch points, each gzip-compressed as influxdb-client does;
  (b) the TimeSeriesWriter turning committed events (validated protocol models, built
      before the clock starts; access, place_scan and camera) into points and writing
      them, timed until it reports every point accepted (2xx).
Each round starts a fresh VictoriaMetrics and runs (a) then (b), each on sites of its own
(so both create the same number of new series), then counts what it stored of each. The
best round of each counts, as other work on the machine only ever slows a round down.
Exits non-zero if (b) is below half of (a) or a point is missing or doubled.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from hub.ports import Committed
from hub.records import EventRecord
from hub.settings import IngestSettings
from hub.timeseries import Spool, TimeSeriesWriter, committed_lines
from hub.timeseries.influx import InfluxLineSink
from sitewatch.protocol import Event, event_adapter
from tests.support.servers import VictoriaMetricsServer

TARGET = 0.5
COMMIT_EVENTS = 2000  # events per ledger commit, about what ingest commits under load
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SUBJECTS = [hashlib.sha256(f"person-{n}".encode()).hexdigest() for n in range(5000)]
ONE_PER_EVENT = '{__name__=~"access_count|place_scan_count|camera_events",site=~"%s-.*"}'


def build_events(count: int, site_prefix: str, seed: int) -> list[Event]:
    """`count` validated events over three sites and forty devices, ts 1 ms apart."""
    rng = random.Random(seed)
    events = []
    for n in range(count):
        doc: dict[str, Any] = {
            "v": 1, "id": f"00000000-0000-4000-8000-{n:012d}", "seq": n + 1,
            "ts": (T0 + timedelta(milliseconds=n)).isoformat(),
            "site": f"{site_prefix}-{n % 3}", "gateway": "gw-1",
            "device": f"gate-{rng.randrange(40)}",
        }
        roll = rng.random()
        if roll < 0.4:
            doc |= {"kind": "place_scan", "subject": rng.choice(SUBJECTS),
                    "method": "health_qr", "health": "green",
                    "temperature_c": round(rng.uniform(35.8, 37.8), 1),
                    "verdict": "pass", "visitor": rng.random() < 0.1}
        elif roll < 0.8:
            doc |= {"kind": "access", "subject": rng.choice(SUBJECTS),
                    "credential": {"type": "card"}, "direction": rng.choice(["in", "out"]),
                    "result": "granted" if rng.random() < 0.95 else "denied"}
        else:
            doc |= {"kind": "camera", "type": "line_crossing", "in": rng.randrange(4),
                    "out": rng.randrange(4), "zone": "lobby", "score": 0.9}
        events.append(event_adapter.validate_python(doc))
    return events


def commits(events: list[Event]) -> list[Committed]:
    """The events as ledger commits of COMMIT_EVENTS each."""
    records = [EventRecord(e, b"", T0) for e in events]
    return [
        Committed(tuple(records[i:i + COMMIT_EVENTS]), (), (), 0)
        for i in range(0, len(records), COMMIT_EVENTS)
    ]


def post_raw(url: str, bodies: list[bytes]) -> float:
    """(a): seconds to POST every pre-built body, gzip-compressed, one after another."""
    params = {"org": "sitewatch", "bucket": "sitewatch", "precision": "ns"}
    headers = {"Content-Encoding": "gzip", "Content-Type": "text/plain; charset=utf-8"}
    with httpx.Client(base_url=url, timeout=30) as client:
        started = time.perf_counter()
        for body in bodies:
            answer = client.post("/api/v2/write", params=params, headers=headers,
                                 content=gzip.compress(body))
            answer.raise_for_status()
        return time.perf_counter() - started


def run_writer(url: str, batches: list[Committed], points: int, batch: int, spool: Path) -> float:
    """(b): seconds from the first commit until the writer reports every point written."""
    sink = InfluxLineSink(url, "", "sitewatch", "sitewatch", timeout_s=30)
    writer = TimeSeriesWriter(sink, Spool(spool, 1 << 30), batch_size=batch,
                              flush_interval_s=0.2, retry_min_s=0.1, retry_max_s=1)
    writer.start()
    started = time.perf_counter()
    for committed in batches:
        writer.committed(committed)
    while writer.counters.points_written < points:
        if time.perf_counter() - started > 300:
            raise TimeoutError(f"writer stuck: {writer.counters}")
        time.sleep(0.002)
    elapsed = time.perf_counter() - started
    writer.close()
    if writer.counters.batches_spooled or writer.counters.points_rejected:
        raise RuntimeError(f"writer did not write everything directly: {writer.counters}")
    return elapsed


def one_round(
    workdir: Path, bodies: list[bytes], writer_commits: list[Committed], n: int, batch: int
) -> tuple[float, float, dict[str, int]]:
    """(a) then (b) against a fresh VictoriaMetrics; their times and what it stored of each."""
    server = VictoriaMetricsServer(workdir / "victoria-metrics").start()
    try:
        raw_s = post_raw(server.url, bodies)
        writer_s = run_writer(server.url, writer_commits, n, batch, workdir / "spool.db")
        stored = {name: server.sample_count(ONE_PER_EVENT % name) for name in ("raw", "writer")}
    finally:
        server.kill()
    return raw_s, writer_s, stored


def main() -> int:
    """Run both measurements and print the table; non-zero exit if the target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3, help="best round of each counts")
    args = parser.parse_args()
    n = args.events
    # The writer runs in the hub's process, with the thread switch interval the hub's
    # composition root sets for it.
    switch_s = IngestSettings().switch_interval_s
    if switch_s is not None:
        sys.setswitchinterval(switch_s)

    print(f"building {n:,} events twice (not timed)…", flush=True)
    raw_lines = committed_lines(Committed(tuple(
        EventRecord(e, b"", T0) for e in build_events(n, "raw", 1)), (), (), 0))
    bodies = ["\n".join(raw_lines[i:i + args.batch]).encode()
              for i in range(0, n, args.batch)]
    writer_commits = commits(build_events(n, "writer", 1))

    raw_times, writer_times, ok = [], [], True
    for round_no in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory(prefix="sitewatch-tsbench-") as tmp:
            raw_s, writer_s, stored = one_round(Path(tmp), bodies, writer_commits, n, args.batch)
        raw_times.append(raw_s)
        writer_times.append(writer_s)
        ok = ok and stored == {"raw": n, "writer": n}
        print(f"round {round_no}: (a) {raw_s:.2f} s, (b) {writer_s:.2f} s, stored {stored}",
              flush=True)

    raw_rate, writer_rate = n / min(raw_times), n / min(writer_times)
    ratio = writer_rate / raw_rate
    print(f"\n{'best of ' + str(args.rounds) + ' rounds':<44}{'points':>10}{'seconds':>10}"
          f"{'points/s':>12}")
    print(f"{'(a) POST pre-built line protocol (httpx)':<44}{n:>10,}{min(raw_times):>10.2f}"
          f"{raw_rate:>12,.0f}")
    print(f"{'(b) TimeSeriesWriter from committed events':<44}{n:>10,}"
          f"{min(writer_times):>10.2f}{writer_rate:>12,.0f}")
    print(f"\n(b)/(a) = {ratio:.2f} (target ≥ {TARGET}); batch {args.batch}, gzip on both; "
          f"every point stored once: {'yes' if ok else 'NO'}")
    if ratio < TARGET or not ok:
        print("MISSED: below target or points missing", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
