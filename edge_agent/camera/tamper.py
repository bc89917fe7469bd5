"""Deciding tamper from per-frame statistics: black, covered, blurred or moved, for long enough."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from edge_agent.camera.settings import TamperSettings

Cause = Literal["black", "covered", "blurred", "moved"]
# Share of a normal frame's sharpness taken into the learnt normal sharpness, once learnt.
_SHARPNESS_GAIN = 0.02


@dataclass(frozen=True, slots=True)
class FrameStats:
    """Numbers measured on one frame (grey levels 0..255)."""

    brightness: float  # mean grey level
    contrast: float  # standard deviation of the grey levels
    sharpness: float  # variance of the Laplacian over the variance of the grey levels
    similarity: float | None  # edge correlation with the reference view 0..1; None: none yet


@dataclass(frozen=True, slots=True)
class TamperVerdict:
    """The monitor's answer for one frame."""

    cause: Cause | None  # what looks wrong now, reported or not
    fired: Cause | None  # set on the one frame an episode is reported
    take_reference: bool  # the caller should make this frame the reference view


class TamperMonitor:
    """Reports a tampered view once per episode, after it has lasted `duration_s`.

    The causes are checked in order black, covered, blurred, moved: a black frame also
    has no edges, and only the first fitting cause is named. An episode ends (and the
    monitor re-arms) after `recover_s` of normal frames. Blur is judged against the
    sharpness learnt from normal frames, moves against a reference view the caller keeps:
    the monitor asks for it at start, every `reference_refresh_s` while all is well, and
    right after reporting a move, so a camera turned for good alarms once and can alarm
    again later.
    """

    def __init__(self, settings: TamperSettings) -> None:
        self.settings = settings
        self._started: float | None = None
        self._sharpness: float | None = None
        self._learnt = 0
        self._reference_ts: float | None = None
        self._pending_since: float | None = None
        self._normal_since: float | None = None
        self._in_episode = False

    def update(self, ts: float, stats: FrameStats) -> TamperVerdict:
        """Judge one frame taken at `ts`."""
        s = self.settings
        if self._started is None:
            self._started = ts
        learning = ts - self._started < s.learn_s
        cause = self._cause(stats, learning)
        fired: Cause | None = None
        take_reference = False
        if cause is None:
            self._pending_since = None
            self._learn_sharpness(stats.sharpness, learning)
            if self._in_episode:
                self._normal_since = self._normal_since if self._normal_since is not None else ts
                if ts - self._normal_since >= s.recover_s:
                    self._in_episode = False
            take_reference = not self._in_episode and (
                self._reference_ts is None
                or learning
                or ts - self._reference_ts >= s.reference_refresh_s
            )
        else:
            self._normal_since = None
            if self._pending_since is None:
                self._pending_since = ts
            if not self._in_episode and ts - self._pending_since >= s.duration_s:
                self._in_episode = True
                fired = cause
                take_reference = cause == "moved"
        if take_reference:
            self._reference_ts = ts
        return TamperVerdict(cause, fired, take_reference)

    def _cause(self, stats: FrameStats, learning: bool) -> Cause | None:
        s = self.settings
        if stats.brightness < s.black_brightness:
            return "black"
        if stats.contrast < s.covered_contrast:
            return "covered"
        if learning or self._sharpness is None:
            return None
        if stats.sharpness < s.blur_ratio * self._sharpness:
            return "blurred"
        if stats.similarity is not None and stats.similarity < s.moved_similarity:
            return "moved"
        return None

    def _learn_sharpness(self, sharpness: float, learning: bool) -> None:
        # While learning: the plain mean; after: a slow average that follows the light.
        self._learnt += 1
        if self._sharpness is None:
            self._sharpness = sharpness
        elif learning:
            self._sharpness += (sharpness - self._sharpness) / self._learnt
        else:
            self._sharpness += _SHARPNESS_GAIN * (sharpness - self._sharpness)
