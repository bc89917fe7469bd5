"""Watching a zone: intrusion by a tracked person and crowding, during the zone's hours."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo

from edge_agent.camera.geometry import feet, inside_polygon, within_hours
from edge_agent.camera.observations import Box
from edge_agent.camera.settings import ZoneSettings


@dataclass(frozen=True, slots=True)
class ZoneFindings:
    """What one update found in a zone."""

    intruders: tuple[tuple[int, Box], ...] = ()  # tracks reported for the first time
    crowd: tuple[Box, ...] | None = None  # the persons inside, when a crowd episode begins


class ZoneWatch:
    """Judges one zone from the tracked persons' feet.

    Intrusion: each track is reported once per zone, the first time its feet are inside
    while the zone is active (someone already inside when the hours begin is reported).
    Crowd: more than `crowd_threshold` persons inside begins an episode, reported once;
    it re-arms when the count falls below the threshold (to zero for a threshold of 0), so
    a count wavering around the threshold is one episode. Outside its hours a zone reports
    nothing and re-arms.
    """

    def __init__(self, settings: ZoneSettings, tz: tzinfo = UTC) -> None:
        self.settings = settings
        self._tz = tz
        self._intruded: set[int] = set()
        self._crowd_armed = True

    @property
    def name(self) -> str:
        """The zone's name."""
        return self.settings.name

    def update(self, ts: float, tracks: Sequence[tuple[int, Box]]) -> ZoneFindings:
        """Judge the zone at `ts` from the current (track id, box) pairs."""
        if not within_hours(self.settings.active_hours, ts, self._tz):
            self._crowd_armed = True
            return ZoneFindings()
        inside = [
            (tid, box) for tid, box in tracks if inside_polygon(feet(box), self.settings.points)
        ]
        intruders: tuple[tuple[int, Box], ...] = ()
        if self.settings.intrusion:
            intruders = tuple((tid, box) for tid, box in inside if tid not in self._intruded)
            self._intruded.update(tid for tid, _ in intruders)
        crowd = None
        threshold = self.settings.crowd_threshold
        if threshold is not None:
            if len(inside) > threshold and self._crowd_armed:
                self._crowd_armed = False
                crowd = tuple(box for _, box in inside)
            elif len(inside) < max(threshold, 1):
                self._crowd_armed = True
        return ZoneFindings(intruders, crowd)

    def forget(self, track_id: int) -> None:
        """Drop an ended track."""
        self._intruded.discard(track_id)
