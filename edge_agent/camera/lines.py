"""Counting persons across a line: each track's feet changing sides, with hysteresis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from edge_agent.camera.geometry import FloatPoint, crossing_position, signed_distance
from edge_agent.camera.settings import LineSettings

Direction = Literal["in", "out"]


@dataclass(slots=True)
class _TrackSide:
    side: int  # +1 right of a→b, -1 left, 0 not yet known (first seen on the line)
    last: FloatPoint
    crossed_at: float | None = None  # where the latest raw sign change met the line (0..1)


class LineCounter:
    """Counts tracks whose feet cross one line segment, in and out.

    A side counts as changed only once the feet are `hysteresis_px` past the line, so a
    person standing on it is not counted again and again; the crossing counts only if
    the feet passed between the segment's ends (walking round the end is no crossing).
    """

    def __init__(self, settings: LineSettings) -> None:
        self.settings = settings
        self._a: FloatPoint = (float(settings.a[0]), float(settings.a[1]))
        self._b: FloatPoint = (float(settings.b[0]), float(settings.b[1]))
        self._in_sign = 1 if settings.in_side == "right" else -1
        self._tracks: dict[int, _TrackSide] = {}
        self.ins = 0
        self.outs = 0

    @property
    def name(self) -> str:
        """The line's name."""
        return self.settings.name

    def update(self, track_id: int, feet: FloatPoint) -> Direction | None:
        """Feed a track's feet position; return the direction if it has just crossed."""
        distance = signed_distance(self._a, self._b, feet)
        settled = abs(distance) > self.settings.hysteresis_px
        now = (1 if distance > 0 else -1) if settled else 0
        state = self._tracks.get(track_id)
        if state is None:
            self._tracks[track_id] = _TrackSide(now, feet)
            return None
        before = signed_distance(self._a, self._b, state.last)
        if (before > 0) != (distance > 0):
            state.crossed_at = crossing_position(self._a, self._b, state.last, feet)
        state.last = feet
        if not settled or now == state.side:
            return None
        crossed = state.side != 0 and state.crossed_at is not None and 0 <= state.crossed_at <= 1
        state.side, state.crossed_at = now, None
        if not crossed:
            return None
        if now == self._in_sign:
            self.ins += 1
            return "in"
        self.outs += 1
        return "out"

    def forget(self, track_id: int) -> None:
        """Drop an ended track's state."""
        self._tracks.pop(track_id, None)
