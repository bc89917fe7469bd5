"""Delivery of batches to the endpoint, in order, through the spool when it is unreachable.

A batch that fails goes to the spool on disk; while the spool holds anything, new batches
join it behind the old ones, so the endpoint receives everything in order. The spool is
replayed oldest first, with exponential backoff, and a batch leaves it only after the
endpoint answered 2xx. A batch the endpoint refuses as malformed is dropped and counted:
sending it again could never succeed and would hold up everything behind it.
Used by one thread only (the writer's delivery thread).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from hub.timeseries.sink import LineSink, WriteFailed, WriteRejected
from hub.timeseries.spool import Spool

log = logging.getLogger(__name__)


@dataclass
class TimeSeriesCounters:
    """Running totals, for /metrics and health."""

    points_written: int = 0  # accepted by the endpoint (2xx)
    points_rejected: int = 0  # refused by the endpoint as malformed, dropped
    points_dropped: int = 0  # pushed out of a full spool
    failed_writes: int = 0  # write requests that failed and will be retried
    batches_spooled: int = 0  # batches that went to the spool
    spool_depth: int = 0  # batches waiting in the spool now
    spool_points: int = 0  # points in them
    last_error: str | None = None


class Delivery:
    """Writes batches to a LineSink in order, spooling what fails and replaying it later."""

    def __init__(
        self, sink: LineSink, spool: Spool, counters: TimeSeriesCounters,
        retry_min_s: float, retry_max_s: float,
    ) -> None:
        self._sink = sink
        self._spool = spool
        self._counters = counters
        self._retry_min_s = retry_min_s
        self._retry_max_s = retry_max_s
        self._delay_s = retry_min_s
        self._retry_at = 0.0  # a spool left by an earlier run is replayed at once
        self._count_spool()

    def send(self, body: bytes, points: int, write: bool = True) -> None:
        """Write a batch, or spool it (if `write` is false, if it fails, or behind older ones)."""
        if not write or self._spool.depth or not self._write(body, points):
            self._to_spool(body, points)

    def replay_wait_s(self) -> float | None:
        """Seconds until the spool should be replayed; None while it is empty."""
        if not self._spool.depth:
            return None
        return max(0.0, self._retry_at - time.monotonic())

    def replay_due(self) -> bool:
        """Whether spooled batches wait and their next try is due."""
        return self.replay_wait_s() == 0.0

    def replay_one(self) -> None:
        """Write the oldest spooled batch; it leaves the spool only if that succeeded."""
        batch = self._spool.oldest()
        if batch is not None and self._write(batch.body, batch.points):
            self._spool.remove(batch)
            self._count_spool()

    def close(self) -> None:
        """Close the spool (what is in it stays for the next run) and the sink."""
        self._spool.close()
        self._sink.close()

    def _write(self, body: bytes, points: int) -> bool:
        """Write a batch; False if it should be tried again later."""
        try:
            self._sink.write(body)
        except WriteRejected as exc:
            self._counters.points_rejected += points
            self._counters.last_error = f"rejected: {exc}"
            log.error("time-series endpoint refused %d points, dropped: %s", points, exc)
            return True
        except WriteFailed as exc:
            self._back_off(str(exc), exc.retry_after_s)
            return False
        except Exception as exc:  # unknown failure: keep the batch, as for any failed write
            log.exception("time-series write failed unexpectedly")
            self._back_off(f"{type(exc).__name__}: {exc}", None)
            return False
        self._counters.points_written += points
        self._delay_s = self._retry_min_s
        return True

    def _back_off(self, error: str, retry_after_s: float | None) -> None:
        self._counters.failed_writes += 1
        self._counters.last_error = error
        wait = max(self._delay_s, retry_after_s or 0.0)
        self._retry_at = time.monotonic() + wait
        self._delay_s = min(self._delay_s * 2, self._retry_max_s)
        log.warning("time-series write failed, spooling; next try in %.1fs: %s", wait, error)

    def _to_spool(self, body: bytes, points: int) -> None:
        dropped = self._spool.push(body, points)
        self._counters.batches_spooled += 1
        if dropped:
            self._counters.points_dropped += dropped
            log.error("time-series spool full: dropped its %d oldest points", dropped)
        self._count_spool()

    def _count_spool(self) -> None:
        self._counters.spool_depth = self._spool.depth
        self._counters.spool_points = self._spool.points
