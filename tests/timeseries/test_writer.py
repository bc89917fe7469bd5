"""The writer's own logic: order, retries, refusals, closing, never blocking ingest.

These use a scripted sink (a subclass of the LineSink port) because they need what a real
endpoint cannot be made to do on cue: refuse a batch as malformed, fail exactly three
times, hang. The same paths against a real endpoint are in test_endpoint.py.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

from hub.ports import Committed
from hub.records import EventRecord
from hub.timeseries import LineSink, Spool, TimeSeriesWriter, WriteFailed, WriteRejected
from tests.timeseries.conftest import T0, commit, event


class ScriptedSink(LineSink):
    """Raises the scripted failures in turn, then accepts and records every body."""

    def __init__(self, failures: Sequence[Exception] = ()) -> None:
        self.failures = list(failures)
        self.accepted: list[bytes] = []
        self.call_times: list[float] = []
        self.gate = threading.Event()
        self.gate.set()  # cleared, it makes every write hang until set again

    @property
    def timeout_s(self) -> float:
        """Scripted writes are quick."""
        return 1.0

    def write(self, body: bytes) -> None:
        """Fail as scripted, or accept."""
        self.gate.wait()
        self.call_times.append(time.monotonic())
        if self.failures:
            raise self.failures.pop(0)
        self.accepted.append(body)

    def close(self) -> None:
        """Nothing to release."""

    def lines(self) -> list[str]:
        """Every accepted line, in the order received."""
        return [line for body in self.accepted for line in body.decode().split("\n")]


def _writer(sink: LineSink, tmp_path: Path, batch_size: int = 10) -> TimeSeriesWriter:
    return TimeSeriesWriter(
        sink, Spool(tmp_path / "spool.db", 64 * 1024 * 1024), batch_size=batch_size,
        flush_interval_s=0.01, retry_min_s=0.02, retry_max_s=0.1,
    )


def _wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


LINES = [f"m,k=v n={n}i {n}" for n in range(100)]


def test_failed_batches_are_spooled_then_delivered_once_and_in_order(tmp_path: Path) -> None:
    sink = ScriptedSink([WriteFailed("connection refused")] * 3)
    writer = _writer(sink, tmp_path)
    writer.start()
    for start in range(0, 100, 7):
        writer.submit(LINES[start:start + 7])
    _wait_until(lambda: writer.counters.points_written == 100)
    writer.close()
    assert sink.lines() == LINES
    assert writer.counters.failed_writes == 3
    assert writer.counters.batches_spooled >= 1
    assert writer.counters.spool_depth == 0
    assert writer.counters.last_error == "connection refused"


def test_a_refused_batch_is_dropped_and_counted_without_holding_up_the_rest(
    tmp_path: Path,
) -> None:
    sink = ScriptedSink([WriteRejected("HTTP 400: unable to parse")])
    writer = _writer(sink, tmp_path)
    writer.start()
    writer.submit(LINES[:30])
    writer.close()
    assert sink.lines() == LINES[10:30]
    assert (writer.counters.points_rejected, writer.counters.points_written) == (10, 20)
    assert writer.counters.batches_spooled == 0


def test_an_unexpected_error_keeps_the_batch_like_a_failed_write(tmp_path: Path) -> None:
    sink = ScriptedSink([RuntimeError("bug in a client library")])
    writer = _writer(sink, tmp_path)
    writer.start()
    writer.submit(LINES[:10])
    _wait_until(lambda: writer.counters.points_written == 10)
    writer.close()
    assert sink.lines() == LINES[:10]
    assert writer.counters.batches_spooled == 1


def test_retries_back_off_exponentially_and_honour_retry_after(tmp_path: Path) -> None:
    sink = ScriptedSink([WriteFailed("down")] * 4 + [WriteFailed("429", retry_after_s=0.3)])
    writer = TimeSeriesWriter(
        sink, Spool(tmp_path / "spool.db", 1024 * 1024), batch_size=10, flush_interval_s=0.01,
        retry_min_s=0.02, retry_max_s=0.05,
    )
    writer.start()
    writer.submit(LINES[:10])
    _wait_until(lambda: writer.counters.points_written == 10)
    writer.close()
    gaps = [later - earlier for earlier, later in itertools.pairwise(sink.call_times)]
    # 0.02 doubling, capped at retry_max 0.05; then the endpoint's Retry-After of 0.3 s.
    for gap, floor in zip(gaps, [0.02, 0.04, 0.05, 0.05, 0.3], strict=True):
        assert gap >= floor * 0.95
    assert gaps[3] < 0.15  # capped: without the cap it would be 0.16


def test_committed_returns_at_once_while_the_endpoint_hangs(tmp_path: Path) -> None:
    sink = ScriptedSink()
    sink.gate.clear()
    writer = _writer(sink, tmp_path, batch_size=5)
    writer.start()
    started = time.monotonic()
    for n in range(50):
        writer.committed(commit(event("access", n)))
    assert time.monotonic() - started < 0.5  # the ingest thread is never held up
    sink.gate.set()
    _wait_until(lambda: writer.counters.points_written == 50)
    writer.close()


def test_points_wait_at_most_the_flush_interval_for_a_full_batch(tmp_path: Path) -> None:
    sink = ScriptedSink()
    writer = _writer(sink, tmp_path, batch_size=1000)
    writer.start()
    writer.submit(LINES[:3])
    _wait_until(lambda: writer.counters.points_written == 3, timeout=2)
    assert len(sink.accepted) == 1
    writer.close()


def test_closing_spools_what_could_not_be_written_even_if_never_started(
    tmp_path: Path,
) -> None:
    sink = ScriptedSink([WriteFailed("down")] * 100)
    writer = _writer(sink, tmp_path)
    writer.submit(LINES[:25])
    writer.committed(commit(event("camera"), event("sensor", 1)))
    writer.close(timeout=0.5)
    writer.submit(LINES[:5])  # after close: refused, not queued
    spool = Spool(tmp_path / "spool.db", 64 * 1024 * 1024)
    assert spool.points == 27
    assert spool.depth >= 3  # batches of at most 10
    assert sink.accepted == []


def test_a_commit_that_cannot_become_points_costs_only_that_commit(tmp_path: Path) -> None:
    sink = ScriptedSink()
    writer = _writer(sink, tmp_path)
    writer.start()
    broken = Committed(events=(EventRecord(cast(Any, "not an event"), b"", T0),),
                       statuses=(), healths=(), dead_letters=0)
    writer.committed(broken)
    writer.committed(commit(event("access")))
    _wait_until(lambda: writer.counters.points_written == 1)
    writer.close()
    assert writer.counters.last_error is not None
    assert sink.lines()[0].startswith("access,")
