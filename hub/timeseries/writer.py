"""The hub's time-series writer: ledger commits → line protocol → InfluxDB, nothing lost.

`committed()` runs on the ingest writer's thread and only enqueues. Two threads of the
writer's own follow, so that making the points of one batch (Python, holding the GIL)
overlaps compressing and posting the one before (zlib and the socket run without it):
  gather:  turns commits into line protocol and gathers it into batches of `batch_size`
           points, or whatever has waited `flush_interval_s`;
  deliver: writes each batch, spooling it while the endpoint fails (delivery.py).
At most two batches wait between them; while the endpoint is slow or down, the backlog
waits in the spool or in the queue in front of gather, never in the ingest thread.

A crash loses only the points still in memory (the queue and the batches being gathered);
the ledger keeps every event, so they can be rebuilt from it. A crash between a 2xx and
the batch's removal from the spool sends it twice; InfluxDB overwrites identical points.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable

from hub.ports import CommitListener, Committed
from hub.timeseries.delivery import Delivery, TimeSeriesCounters
from hub.timeseries.points import committed_lines
from hub.timeseries.sink import LineSink
from hub.timeseries.spool import Spool

log = logging.getLogger(__name__)

# Spooled batches replayed between two looks for new batches, so that a long replay does
# not stall gather for long (new batches join the spool meanwhile).
_REPLAY_BURST = 16


class _Close:
    """Put in a queue by `close`: everything before it is the last work."""


_CLOSE = _Close()


class TimeSeriesWriter(CommitListener):
    """Writes the points of every ledger commit, and of `submit`, to a LineSink."""

    def __init__(
        self,
        sink: LineSink,
        spool: Spool,
        batch_size: int = 5000,
        flush_interval_s: float = 1.0,
        retry_min_s: float = 0.5,
        retry_max_s: float = 30.0,
    ) -> None:
        self.counters = TimeSeriesCounters()
        self._delivery = Delivery(sink, spool, self.counters, retry_min_s, retry_max_s)
        self._write_timeout_s = sink.timeout_s
        self._batch_size = batch_size
        self._flush_interval_s = flush_interval_s
        self._pause_s = retry_min_s  # after an unexpected error, before going on
        self._inbox: queue.SimpleQueue[Committed | list[str] | _Close] = queue.SimpleQueue()
        self._batches: queue.Queue[tuple[bytes, int] | _Close] = queue.Queue(maxsize=2)
        self._deadline: float | None = None  # set by close: after it, spool without writing
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._warned_closed = False

    # --- called from other threads --------------------------------------------------------

    def committed(self, committed: Committed) -> None:
        """Queue a commit's points (made on the writer's thread, not the caller's)."""
        if self._refuse_when_closed() or not (
            committed.events or committed.healths or committed.statuses
        ):
            return
        self._inbox.put(committed)

    def submit(self, lines: Iterable[str]) -> None:
        """Queue extra points (line protocol, e.g. from `occupancy_line` or `alarm_line`)."""
        batch = list(lines)
        if batch and not self._refuse_when_closed():
            self._inbox.put(batch)

    def start(self) -> None:
        """Start the writer's threads; a spool left by an earlier run is replayed first."""
        if self._threads or self._closed:
            raise RuntimeError("a time-series writer starts once")
        self._threads = [
            threading.Thread(target=self._gather, name="timeseries-gather", daemon=True),
            threading.Thread(target=self._deliver, name="timeseries-deliver", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def close(self, timeout: float = 10.0) -> None:
        """Write what can be written within `timeout`, spool the rest, and stop."""
        if self._closed:
            return
        if not self._threads:
            self.start()  # never started: its threads still write or spool what was given
        self._closed = True
        self._deadline = time.monotonic() + timeout
        self._inbox.put(_CLOSE)
        for thread in self._threads:
            # A write under way at the deadline may take one more request timeout.
            left = max(0.0, self._deadline - time.monotonic())
            thread.join(left + self._write_timeout_s + 1.0)
        if any(thread.is_alive() for thread in self._threads):
            log.error("time-series writer did not stop in time; unspooled points are lost")
            return  # its threads still use the spool and the sink
        self._delivery.close()

    def _refuse_when_closed(self) -> bool:
        if self._closed and not self._warned_closed:
            self._warned_closed = True
            log.warning("time-series writer is closed; points given to it now are not written")
        return self._closed

    def _past_deadline(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def _note_error(self, what: str, exc: Exception) -> None:
        """Log an unexpected error and pause: a bug or a full disk must not spin a thread."""
        log.exception("time-series writer: %s failed", what)
        self.counters.last_error = f"{type(exc).__name__}: {exc}"
        time.sleep(self._pause_s)

    # --- gather thread --------------------------------------------------------------------

    def _gather(self) -> None:
        pending: list[str] = []
        since = 0.0  # when the oldest pending point arrived
        while True:
            wait = max(0.0, since + self._flush_interval_s - time.monotonic()) if pending else None
            try:
                item = self._inbox.get(timeout=wait)
            except queue.Empty:
                item = None
            if isinstance(item, _Close):
                while pending:
                    self._hand_over(pending)
                self._batches.put(_CLOSE)
                return
            try:
                if item is not None:
                    lines = committed_lines(item) if isinstance(item, Committed) else item
                    if not pending:
                        since = time.monotonic()
                    pending += lines
                while len(pending) >= self._batch_size or (
                    pending and time.monotonic() >= since + self._flush_interval_s
                ):
                    self._hand_over(pending)
            except Exception as exc:
                self._note_error("making points", exc)

    def _hand_over(self, pending: list[str]) -> None:
        """Take one batch off the front of `pending` and queue it for delivery."""
        lines = pending[: self._batch_size]
        del pending[: self._batch_size]
        # "replace": a lone surrogate in a device name costs that character, not the batch.
        body = "\n".join(lines).encode("utf-8", "replace")
        self._batches.put((body, len(lines)))

    # --- deliver thread -------------------------------------------------------------------

    def _deliver(self) -> None:
        delivery = self._delivery
        while True:
            try:
                item = self._batches.get(timeout=delivery.replay_wait_s())
            except queue.Empty:
                item = None
            try:
                if isinstance(item, _Close):
                    self._replay(limit=None)
                    return
                if item is not None:
                    delivery.send(*item, write=not self._past_deadline())
                self._replay(limit=_REPLAY_BURST)
            except Exception as exc:
                if isinstance(item, _Close):
                    log.exception("time-series writer could not finish its replay")
                    return
                self._note_error("delivery", exc)

    def _replay(self, limit: int | None) -> None:
        """Replay spooled batches while due, up to `limit` of them, until the deadline."""
        done = 0
        while self._delivery.replay_due() and not self._past_deadline():
            if limit is not None and done >= limit:
                return
            self._delivery.replay_one()
            done += 1
