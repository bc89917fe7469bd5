"""The analyser of one camera: frames in, observations out (motion, persons, lines, zones, tamper).

Observations, all stamped with the frame's `ts`:
- `motion` when motion starts, then at most every `motion_event_interval_s` while it
  lasts; `boxes` are the changed regions, `count` how many.
- `person` when the number of (confirmed) tracked persons changes, at most every
  `person.event_interval_s` (a change within that time is reported when it ends, if it
  still holds); `count` persons, their `boxes`, `score` their mean detection score.
  A count falling to 0 is reported too, with no boxes.
- `line_crossing` per crossing of one person: `in_=1, out=0` or `in_=0, out=1`,
  `zone` = the line's name, `boxes` = the crossing person's box, `score` its detection
  score. The running totals are in `line_counts()`.
- `intrusion` once per person and zone, when the person's feet are in an intrusion zone
  during its hours; `zone`, `count=1`, `boxes` = that person, `score` as above.
- `crowd` when more than `crowd_threshold` persons stand in a zone during its hours,
  once per episode; `zone`, `count`, `boxes` = the persons inside.
- `tamper` once per episode; `detail` = black, covered, blurred or moved.

Frame times should only grow; if they go back (the clock was set), the timed state
(tracks, rate limits, tamper durations) starts afresh, the line totals stay.
"""

from __future__ import annotations

from datetime import UTC, tzinfo

import numpy as np
from numpy.typing import NDArray

from edge_agent.camera.geometry import clip_box, feet
from edge_agent.camera.lines import LineCounter
from edge_agent.camera.observations import SEVERITY, Box, FrameResult, Observation
from edge_agent.camera.settings import AnalyticsSettings
from edge_agent.camera.tamper import TamperMonitor
from edge_agent.camera.tracker import Tracker, TrackView
from edge_agent.camera.vision import MotionDetector, PeopleDetector, TamperProbe, shrink_grey
from edge_agent.camera.zones import ZoneWatch


class FrameAnalyzer:
    """Turns one camera's frames, in order, into observations; keeps state between frames."""

    def __init__(self, settings: AnalyticsSettings, *, tz: tzinfo = UTC) -> None:
        self.settings = settings
        self._motion = MotionDetector(settings.motion)
        self._people = PeopleDetector(settings.person)
        self._probe = TamperProbe()
        self._lines = [LineCounter(line) for line in settings.lines]
        self._zones = [ZoneWatch(zone, tz) for zone in settings.zones]
        self._person_count = 0
        self._last_ts: float | None = None
        self._start_clock()

    def _start_clock(self) -> None:
        """(Re)start everything that measures time between frames."""
        person = self.settings.person
        self._tracker = Tracker(
            iou_min=person.track_iou,
            max_jump=person.track_max_jump,
            min_hits=person.track_min_hits,
            max_misses=person.track_max_misses,
            max_age_s=person.track_max_age_s,
        )
        self._tamper = TamperMonitor(self.settings.tamper)
        self._last_detection: float | None = None
        self._motion_since: float | None = None  # None: no motion episode under way
        self._last_motion = 0.0
        self._last_motion_event = 0.0
        self._last_person_event: float | None = None

    def process(self, frame: NDArray[np.uint8], ts: float) -> FrameResult:
        """Analyse one BGR frame taken at `ts` (seconds since the epoch)."""
        if self._last_ts is not None and ts < self._last_ts:
            # The clock was set back (NTP at boot): intervals and durations measured
            # across the jump mean nothing, and would hold reports back until it is undone.
            self._forget([t.id for t in self._tracker.tracks(self._last_ts)])
            self._start_clock()
        self._last_ts = ts
        height, width = frame.shape[:2]
        small = shrink_grey(frame, self.settings.motion.width)
        observations: list[Observation] = []
        motion_boxes = tuple(
            clip_box(box, width, height)
            for box in self._motion.detect(small, width / small.shape[1])
        )
        if self.settings.tamper.enabled:
            observations.extend(self._judge_tamper(small, ts))
        observations.extend(self._report_motion(motion_boxes, ts))
        detected = self._detect_people(frame, motion_boxes, ts)
        views = [
            TrackView(t.id, clip_box(t.box, width, height), t.confirmed, t.fresh, t.score)
            for t in self._tracker.tracks(ts)
        ]
        confirmed = [t for t in views if t.confirmed]
        observations.extend(self._cross_lines(confirmed, ts))
        observations.extend(self._watch_zones(confirmed, ts))
        observations.extend(self._count_persons(confirmed, ts))
        shown = [t for t in views if (t.confirmed or t.fresh) and t.box[2] > 0 and t.box[3] > 0]
        return FrameResult(
            observations=tuple(observations),
            motion_boxes=motion_boxes,
            persons=tuple(t.box for t in shown),
            tracks=tuple((t.id, t.box) for t in shown),
            detected=detected,
        )

    def line_counts(self) -> dict[str, tuple[int, int]]:
        """Persons counted (in, out) per line since the analyser started."""
        return {line.name: (line.ins, line.outs) for line in self._lines}

    def _judge_tamper(self, small: NDArray[np.uint8], ts: float) -> list[Observation]:
        verdict = self._tamper.update(ts, self._probe.measure(small))
        if verdict.take_reference:
            self._probe.take_reference(small)
        if verdict.fired is None:
            return []
        return [Observation("tamper", ts, severity=SEVERITY["tamper"], detail=verdict.fired)]

    def _report_motion(self, boxes: tuple[Box, ...], ts: float) -> list[Observation]:
        if not boxes:
            if self._motion_since is not None and ts - self._last_motion >= (
                self.settings.motion.end_after_s
            ):
                self._motion_since = None
            return []
        self._last_motion = ts
        starting = self._motion_since is None
        if starting:
            self._motion_since = ts
        elif ts - self._last_motion_event < self.settings.motion_event_interval_s:
            return []
        self._last_motion_event = ts
        return [
            Observation("motion", ts, count=len(boxes), boxes=boxes, severity=SEVERITY["motion"])
        ]

    def _detect_people(self, frame: NDArray[np.uint8], motion: tuple[Box, ...], ts: float) -> bool:
        person = self.settings.person
        live = self._tracker.tracks(ts)
        # A millisecond of slack: timestamps of a steady stream are not exact multiples.
        due = (
            self._last_detection is None or ts - self._last_detection >= 1.0 / person.max_hz - 1e-3
        )
        if not person.enabled or not due or not (motion or live):
            self._forget(self._tracker.expire(ts))
            return False
        # Tracks are looked at too, so a person who stands still is not lost.
        seeds = list(motion) + [t.box for t in live]
        height, width = frame.shape[:2]
        detections = self._people.detect(frame, self._people.regions(seeds, width, height))
        self._last_detection = ts
        self._forget(self._tracker.update(ts, detections))
        return True

    def _forget(self, ended: list[int]) -> None:
        for track_id in ended:
            for line in self._lines:
                line.forget(track_id)
            for zone in self._zones:
                zone.forget(track_id)

    def _cross_lines(self, tracks: list[TrackView], ts: float) -> list[Observation]:
        found = []
        for line in self._lines:
            # Only fresh positions: a carried box is a guess and must not cross a line.
            for track in (t for t in tracks if t.fresh):
                direction = line.update(track.id, feet(track.box))
                if direction is not None:
                    found.append(
                        Observation(
                            "line_crossing",
                            ts,
                            in_=int(direction == "in"),
                            out=int(direction == "out"),
                            zone=line.name,
                            score=round(track.score, 3),
                            boxes=(track.box,),
                            severity=SEVERITY["line_crossing"],
                        )
                    )
        return found

    def _watch_zones(self, tracks: list[TrackView], ts: float) -> list[Observation]:
        found = []
        pairs = [(t.id, t.box) for t in tracks]
        scores = {t.id: t.score for t in tracks}
        for zone in self._zones:
            findings = zone.update(ts, pairs)
            for track_id, box in findings.intruders:
                found.append(
                    Observation(
                        "intrusion",
                        ts,
                        count=1,
                        zone=zone.name,
                        score=round(scores[track_id], 3),
                        boxes=(box,),
                        severity=SEVERITY["intrusion"],
                    )
                )
            if findings.crowd is not None:
                found.append(
                    Observation(
                        "crowd",
                        ts,
                        count=len(findings.crowd),
                        zone=zone.name,
                        boxes=findings.crowd,
                        severity=SEVERITY["crowd"],
                    )
                )
        return found

    def _count_persons(self, tracks: list[TrackView], ts: float) -> list[Observation]:
        if len(tracks) == self._person_count:
            return []
        interval = self.settings.person.event_interval_s
        if self._last_person_event is not None and ts - self._last_person_event < interval:
            return []
        self._person_count = len(tracks)
        self._last_person_event = ts
        score = sum(t.score for t in tracks) / len(tracks) if tracks else None
        return [
            Observation(
                "person",
                ts,
                count=len(tracks),
                score=None if score is None else round(score, 3),
                boxes=tuple(t.box for t in tracks),
                severity=SEVERITY["person"],
            )
        ]
