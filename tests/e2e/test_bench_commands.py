"""The benchmark command runs end to end on a small load (its figures are not judged here)."""

from __future__ import annotations

import subprocess
import sys


def test_bench_ingest_runs_and_reports_every_measurement() -> None:
    # A smoke run: the command builds a hub as shipped, so a settings change that breaks
    # it (as the auth section once did) fails here rather than when someone benchmarks.
    done = subprocess.run(
        [sys.executable, "-m", "sitewatch.cli", "bench", "ingest", "--events", "1000",
         "--batch", "100", "--receive-maximum", "2000", "--rounds", "2"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for line in ("bare paho subscriber", "hub ingest, single-event", "hub ingest, batches",
                 "sqlite3 executemany", "single-event ingest / bare subscriber",
                 "ceiling: SQLite alone", "ceiling: protocol decoding alone", "batched ceiling",
                 "receive window 2000", "(round 2)", "median"):
        assert line in done.stdout
