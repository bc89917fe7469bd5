"""Frames per second and capture-to-processed latency of a camera pipeline, over a window."""

from __future__ import annotations

import threading
from collections import deque

from sitewatch.protocol import CameraHealth


class PipelineMeter:
    """Counts processed frames over the last `window_s`; times are handed in (monotonic)."""

    def __init__(self, window_s: float, started_at: float) -> None:
        if window_s <= 0:
            raise ValueError("window_s must be positive")
        self.window_s = window_s
        self._started_at = started_at
        self._done: deque[tuple[float, float]] = deque()  # (processed at, latency s)
        self._lock = threading.Lock()  # the health thread reads what the pipeline writes

    def frame_done(self, read_at: float, done_at: float) -> None:
        """One frame read at `read_at` was fully processed at `done_at`."""
        with self._lock:
            self._done.append((done_at, max(0.0, done_at - read_at)))
            self._evict(done_at)

    def health(self, now: float, *, online: bool, dropped: int) -> CameraHealth:
        """The camera's figures as of `now`."""
        with self._lock:
            self._evict(now)
            span = min(self.window_s, now - self._started_at)
            count = len(self._done)
            latency = sum(lat for _, lat in self._done) / count if count else None
        fps = count / span if span > 0 else 0.0
        return CameraHealth(
            fps=round(fps, 2),
            latency_ms=None if latency is None else round(latency * 1000, 1),
            dropped_frames=max(0, dropped),
            online=online,
        )

    def _evict(self, now: float) -> None:
        while self._done and self._done[0][0] < now - self.window_s:
            self._done.popleft()
