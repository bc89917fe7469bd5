"""Tracking person boxes between detector runs: stable ids, carried boxes, expiry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import count

from edge_agent.camera.geometry import centre, iou
from edge_agent.camera.observations import Box

# Share of a new detection's size taken into a track's size: HOG boxes jump between pyramid
# levels from run to run, and a steadier size keeps carried boxes on the person.
_SIZE_GAIN = 0.5
# Share of a new velocity measurement taken into a track's velocity.
_VELOCITY_GAIN = 0.5


@dataclass(frozen=True, slots=True)
class TrackView:
    """A track as seen at one moment: its box there and how sure it is."""

    id: int
    box: Box
    confirmed: bool  # detected often enough to count for lines, zones and person counts
    fresh: bool  # detected at exactly this moment, not carried forward
    score: float  # score of its latest detection, 0..1


@dataclass(slots=True)
class _Track:
    id: int
    cx: float
    cy: float
    w: float
    h: float
    vx: float  # centre velocity, pixels per second
    vy: float
    seen_ts: float
    score: float
    hits: int = 1
    misses: int = 0

    def box_at(self, ts: float) -> Box:
        dt = ts - self.seen_ts
        cx, cy = self.cx + self.vx * dt, self.cy + self.vy * dt
        return (round(cx - self.w / 2), round(cy - self.h / 2), round(self.w), round(self.h))


class Tracker:
    """Greedy IoU/centre matching of detections to tracks moving at constant velocity.

    A track ends after `max_misses` detector runs without a match or `max_age_s` without
    a detection; ids are never reused.
    """

    def __init__(
        self,
        *,
        iou_min: float = 0.2,
        max_jump: float = 0.6,
        min_hits: int = 2,
        max_misses: int = 3,
        max_age_s: float = 2.0,
    ) -> None:
        self._iou_min = iou_min
        self._max_jump = max_jump
        self._min_hits = min_hits
        self._max_misses = max_misses
        self._max_age_s = max_age_s
        self._tracks: list[_Track] = []
        self._ids = count(1)

    def update(self, ts: float, detections: Sequence[tuple[Box, float]]) -> list[int]:
        """Take one detector run's (box, score) pairs at `ts`; return the ids of ended tracks."""
        pairs = sorted(
            (cost, ti, di)
            for ti, track in enumerate(self._tracks)
            for di, (box, _) in enumerate(detections)
            if (cost := self._cost(track.box_at(ts), box)) is not None
        )
        matched_tracks: set[int] = set()
        matched_detections: set[int] = set()
        for _, ti, di in pairs:
            if ti in matched_tracks or di in matched_detections:
                continue
            matched_tracks.add(ti)
            matched_detections.add(di)
            self._correct(self._tracks[ti], ts, *detections[di])
        for ti, track in enumerate(self._tracks):
            if ti not in matched_tracks:
                track.misses += 1
        ended = self._drop(lambda t: t.misses > self._max_misses or self._too_old(t, ts))
        for di, (box, score) in enumerate(detections):
            if di not in matched_detections:
                cx, cy = centre(box)
                self._tracks.append(
                    _Track(next(self._ids), cx, cy, box[2], box[3], 0.0, 0.0, ts, score)
                )
        return ended

    def expire(self, ts: float) -> list[int]:
        """End tracks unseen for too long, on a frame without a detector run."""
        return self._drop(lambda t: self._too_old(t, ts))

    def tracks(self, ts: float) -> list[TrackView]:
        """Every live track with its box carried forward to `ts`."""
        return [
            TrackView(t.id, t.box_at(ts), t.hits >= self._min_hits, t.seen_ts == ts, t.score)
            for t in self._tracks
        ]

    def _cost(self, predicted: Box, box: Box) -> float | None:
        overlap = iou(predicted, box)
        (px, py), (dx, dy) = centre(predicted), centre(box)
        jump = ((px - dx) ** 2 + (py - dy) ** 2) ** 0.5 / max(predicted[3], box[3], 1)
        if overlap < self._iou_min and jump > self._max_jump:
            return None
        return (1.0 - overlap) + jump

    def _correct(self, track: _Track, ts: float, box: Box, score: float) -> None:
        cx, cy = centre(box)
        dt = ts - track.seen_ts
        if dt > 0:
            track.vx += _VELOCITY_GAIN * ((cx - track.cx) / dt - track.vx)
            track.vy += _VELOCITY_GAIN * ((cy - track.cy) / dt - track.vy)
        track.cx, track.cy = cx, cy
        track.w += _SIZE_GAIN * (box[2] - track.w)
        track.h += _SIZE_GAIN * (box[3] - track.h)
        track.seen_ts, track.score = ts, score
        track.hits += 1
        track.misses = 0

    def _too_old(self, track: _Track, ts: float) -> bool:
        return ts - track.seen_ts > self._max_age_s

    def _drop(self, ended: Callable[[_Track], bool]) -> list[int]:
        gone = [t.id for t in self._tracks if ended(t)]
        self._tracks = [t for t in self._tracks if not ended(t)]
        return gone
