"""What the analyser reports about one frame: observations (future camera events) and boxes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Box = tuple[int, int, int, int]  # x, y, w, h in pixels of the source frame
ObservationType = Literal["motion", "person", "line_crossing", "intrusion", "tamper", "crowd"]
Severity = Literal["low", "normal", "high"]

SEVERITY: dict[ObservationType, Severity] = {
    "motion": "low",
    "person": "normal",
    "line_crossing": "normal",
    "intrusion": "high",
    "crowd": "high",
    "tamper": "high",
}


@dataclass(frozen=True, slots=True)
class Observation:
    """One thing worth an event, with the protocol's camera fields (`in_` is `in`).

    A `motion` observation is low severity (the outbox may shed it first); `person` and
    `line_crossing` are normal; `intrusion`, `crowd` and `tamper` are high.
    """

    type: ObservationType
    ts: float  # the frame's timestamp (seconds, as handed in)
    count: int | None = None
    in_: int | None = None
    out: int | None = None
    zone: str | None = None  # zone or line name
    score: float | None = None  # 0..1
    boxes: tuple[Box, ...] = ()
    severity: Severity = "low"
    detail: str | None = None  # e.g. tamper cause "black"/"covered"/"blurred"/"moved"


@dataclass(frozen=True, slots=True)
class FrameResult:
    """The analyser's answer for one frame."""

    observations: tuple[Observation, ...]
    motion_boxes: tuple[Box, ...]
    persons: tuple[Box, ...]  # person boxes known for this frame (detected or tracked)
    tracks: tuple[tuple[int, Box], ...]  # (track id, box)
    detected: bool  # whether HOG ran on this frame
