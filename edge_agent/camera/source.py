"""The camera source: frames → analyser → camera events with snapshots and clips.

Media goes to the sink before the event that names it. An event whose type wants a clip
waits until `clip_post_s` of frames after it have been seen, then goes out with the clip.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

import numpy as np

from edge_agent.camera.analyzer import FrameAnalyzer
from edge_agent.camera.capture import Frame, FrameFeed, FrameSource
from edge_agent.camera.media import (
    JPEG_CONTENT_TYPE,
    FrameRing,
    StoredFrame,
    fit_width,
    snapshot_jpeg,
    write_clip,
)
from edge_agent.camera.memory import tame_malloc, trim_heap
from edge_agent.camera.meter import PipelineMeter
from edge_agent.camera.observations import Box, FrameResult, Observation
from edge_agent.camera.scaling import scale_analytics, scale_box
from edge_agent.camera.source_settings import (
    CameraSourceSettings,
)
from edge_agent.ports import Draft, EventSink, OutboxFull, Priority, Source
from edge_agent.settings import SourceContext, SourceEntry, source_settings
from sitewatch.protocol import CameraHealth, MediaRef

log = logging.getLogger(__name__)

_MAX_BOXES = 256  # the protocol's limit per event
_TRIM_EVERY_S = 5.0  # how often freed detector and encoder buffers go back to the system


class Analyzer(Protocol):
    """What the source needs of the analyser (FrameAnalyzer)."""

    def process(self, frame: np.ndarray, ts: float) -> FrameResult:
        """Observations and boxes of one BGR frame seen at `ts`."""
        ...


AnalyzerFactory = Callable[[CameraSourceSettings, float, tzinfo], Analyzer]


def default_analyzer(settings: CameraSourceSettings, scale: float, tz: tzinfo) -> Analyzer:
    """FrameAnalyzer on frames scaled by `scale`, its pixel settings scaled to match."""
    return FrameAnalyzer(scale_analytics(settings.analytics, scale), tz=tz)


@dataclass(slots=True)
class _Pending:
    """An event waiting for the frames after it, to go out with its clip."""

    ts: float
    fields: dict[str, Any]
    priority: Priority
    severity: str
    media: list[MediaRef] = field(default_factory=list)


class _Stats:
    """Counters and gauges the pipeline writes and the health thread reads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._gauges: dict[str, int] = {}

    def count(self, key: str, n: int = 1) -> None:
        """Add `n` to a counter."""
        with self._lock:
            self._counts[key] += n

    def gauge(self, key: str, value: int) -> None:
        """Set a gauge."""
        with self._lock:
            self._gauges[key] = value

    def snapshot(self) -> dict[str, int]:
        """Counters and gauges as of now."""
        with self._lock:
            return {**self._counts, **self._gauges}


class CameraSource(Source):
    """Analyses one camera and emits `camera` events with snapshots and clips."""

    def __init__(
        self,
        capture: FrameFeed,
        settings: CameraSourceSettings,
        *,
        analyzer_factory: AnalyzerFactory = default_analyzer,
        monotonic: Callable[[], float] = time.monotonic,
        name: str = "camera",
    ) -> None:
        self.name = name
        self.settings = settings
        self._capture = capture
        self._analyzer_factory = analyzer_factory
        self._monotonic = monotonic
        self._stats = _Stats()
        self._meter = PipelineMeter(settings.health_window_s, monotonic())

    @classmethod
    def from_settings(
        cls, cfg: CameraSourceSettings | SourceEntry, context: SourceContext
    ) -> CameraSource:
        """Build the source from its entry of the agent settings (the bootstrap's call)."""
        settings = source_settings(CameraSourceSettings, cfg)
        return cls(FrameSource.from_settings(settings), settings)

    def run(self, sink: EventSink, stop: threading.Event) -> None:
        """Analyse frames until `stop` is set (or a file without loop ends)."""
        tame_malloc()
        run = _Run(self.settings, sink, self._analyzer_factory, self._stats)
        self._meter = PipelineMeter(self.settings.health_window_s, self._monotonic())
        trimmed = self._monotonic()
        try:
            for frame in self._capture.frames(stop):
                run.process(frame)
                done = self._monotonic()
                self._meter.frame_done(frame.read_at, done)
                if done - trimmed >= _TRIM_EVERY_S:
                    trim_heap()
                    trimmed = done
        finally:
            # Stopping (or failing) must not lose events waiting for their clip.
            run.flush()

    def counters(self) -> dict[str, int]:
        """Frames, events by type, media, refused and invalid records, camera state."""
        state = self._capture.state()
        return {
            **self._stats.snapshot(),
            "online": int(state.online),
            "reconnects": state.reconnects,
            "open_failures": state.open_failures,
            "dropped_frames": state.dropped,
        }

    def cameras(self) -> dict[str, CameraHealth]:
        """This camera's fps, capture-to-processed latency, dropped frames, online."""
        state = self._capture.state()
        health = self._meter.health(self._monotonic(), online=state.online, dropped=state.dropped)
        return {self.settings.camera: health}


class _Run:
    """The state of one `run`: analyser, frame ring, events waiting for their clip."""

    def __init__(
        self,
        cfg: CameraSourceSettings,
        sink: EventSink,
        analyzer_factory: AnalyzerFactory,
        stats: _Stats,
    ) -> None:
        self.cfg, self.sink, self.stats = cfg, sink, stats
        self.tz: tzinfo = ZoneInfo(cfg.timezone)
        self.make_analyzer = analyzer_factory
        self.analyzer: Analyzer | None = None
        self.ring = FrameRing(
            # One second of slack: the clip's last frame may arrive a little late.
            max_seconds=cfg.clip_pre_s + cfg.clip_post_s + 1.0,
            max_bytes=cfg.ring_max_bytes,
            fps=cfg.clip_fps,
            width=cfg.clip_width,
            quality=cfg.clip_quality,
        )
        self.scale = 1.0  # analysed pixels per source pixel
        self.pending: list[_Pending] = []
        self.want_clips = bool(self.cfg.clip_types)

    def process(self, frame: Frame) -> None:
        """Analyse one frame, emit what it shows, and release events whose clip is ready."""
        image = fit_width(frame.image, self.cfg.process_width)
        scale = image.shape[1] / frame.image.shape[1]
        if self.analyzer is None or scale != self.scale:
            # Built on the first frame (or a new resolution), when the scale is known.
            self.scale = scale
            self.analyzer = self.make_analyzer(self.cfg, scale, self.tz)
        result = self.analyzer.process(image, frame.ts)
        self.stats.count("frames")
        if self.want_clips:
            self.ring.append(frame.ts, image)
        if result.observations:
            self._observed(frame, result)
        self._release(until=frame.ts - self.cfg.clip_post_s)
        while len(self.pending) > self.cfg.max_pending_clips:
            self._release(until=self.pending[0].ts)  # cut short: memory stays bounded
        self._gauges()

    def flush(self) -> None:
        """Send every waiting event, its clip cut short at the last frame seen."""
        self._release(until=math.inf)
        self._gauges()

    def _gauges(self) -> None:
        self.stats.gauge("ring_bytes", self.ring.nbytes)
        self.stats.gauge("pending_clips", len(self.pending))

    def _observed(self, frame: Frame, result: FrameResult) -> None:
        observations = result.observations
        self.stats.count("observations", len(observations))
        snapshot = self._snapshot(frame, [o for o in observations if self._wants_snapshot(o)])
        now: list[Draft] = []
        for obs in observations:
            priority = (
                Priority.LOW if obs.type == "motion" and not result.persons else Priority.HIGH
            )
            fields = self._fields(obs)
            media = [snapshot] if snapshot and self._wants_snapshot(obs) else []
            if obs.type in self.cfg.clip_types:
                self.pending.append(_Pending(obs.ts, fields, priority, obs.severity, media))
            else:
                now.append(self._draft(obs.ts, fields, priority, media))
        self._emit(now)

    def _wants_snapshot(self, obs: Observation) -> bool:
        return obs.type in self.cfg.snapshot_types

    def _snapshot(self, frame: Frame, observations: Sequence[Observation]) -> MediaRef | None:
        """One JPEG of the full-size frame with the boxes of these observations drawn."""
        if not observations:
            return None
        boxes: list[Box] = []
        labels: list[str] = []
        for obs in observations:
            for box in obs.boxes:
                full = scale_box(box, 1 / self.scale)
                if full not in boxes:
                    boxes.append(full)
                    labels.append(obs.zone or obs.type)
        data = snapshot_jpeg(frame.image, boxes, labels, self.cfg.jpeg_quality)
        return self._emit_media(data, JPEG_CONTENT_TYPE, "snapshot", _severest(observations))

    def _release(self, until: float) -> None:
        """Send the events seen up to `until` with their clips; events in one clip share it."""
        while self.pending and self.pending[0].ts <= until:
            first = self.pending[0]
            start, end = first.ts - self.cfg.clip_pre_s, first.ts + self.cfg.clip_post_s
            group = [p for p in self.pending if p.ts <= end]
            self.pending = [p for p in self.pending if p.ts > end]
            frames = self.ring.between(start, end)
            clip = self._clip(frames, max(group, key=lambda p: _RANK[p.severity]).severity)
            self._emit(
                [
                    self._draft(p.ts, p.fields, p.priority, [*p.media, *([clip] if clip else [])])
                    for p in group
                ]
            )

    def _clip(self, frames: list[StoredFrame], severity: str) -> MediaRef | None:
        if not frames:
            return None
        try:
            clip = write_clip(frames, self.cfg.clip_fps)
        except (OSError, ValueError) as exc:  # a clip is a nice-to-have; the event is not
            self.stats.count("clip_failures")
            log.error("camera %s: clip not written: %s", self.cfg.camera, exc)
            return None
        self.stats.count("clips")
        return self._emit_media(clip.data, clip.content_type, "clip", severity)

    def _emit_media(
        self, data: bytes, content_type: str, role: Literal["snapshot", "clip"], severity: str
    ) -> MediaRef | None:
        """Hand media to the sink before its event; None (event goes without) if refused."""
        # Media of a high-severity observation outlives the rest when disk runs short.
        priority = Priority.NORMAL if severity == "high" else Priority.LOW
        try:
            ref = self.sink.emit_media(data, content_type, role, priority)
        except OutboxFull:
            self.stats.count("refused_media")
            self.stats.count("refused")
            return None
        self.stats.count("media")
        return ref

    def _emit(self, drafts: list[Draft]) -> None:
        """Hand events to the sink; a full outbox or a bad event is counted, never fatal."""
        if not drafts:
            return
        try:
            self.sink.emit(drafts)
        except OutboxFull:
            self.stats.count("refused", len(drafts))
            log.warning("camera %s: outbox full, %d event(s) refused", self.cfg.camera, len(drafts))
            return
        except ValueError as exc:
            self.stats.count("invalid", len(drafts))
            log.error("camera %s: event rejected: %s", self.cfg.camera, exc)
            return
        self.stats.count("events", len(drafts))
        for draft in drafts:
            self.stats.count(f"events_{draft.fields['type']}")

    def _draft(
        self, ts: float, fields: dict[str, Any], priority: Priority, media: list[MediaRef]
    ) -> Draft:
        return Draft(
            kind="camera",
            device=self.cfg.camera,
            ts=datetime.fromtimestamp(ts, self.tz),
            fields=fields,
            media=tuple(media),
            priority=priority,
        )

    def _fields(self, obs: Observation) -> dict[str, Any]:
        """The protocol's camera fields; boxes in full-size pixels; None fields left out."""
        values: dict[str, Any] = {
            "type": obs.type,
            "count": obs.count,
            "in": obs.in_,
            "out": obs.out,
            "zone": obs.zone,
            # Clamped: a rounding slip past 1.0 must not cost the whole event.
            "score": None if obs.score is None else round(min(1.0, max(0.0, obs.score)), 3),
            "boxes": [list(scale_box(b, 1 / self.scale)) for b in obs.boxes[:_MAX_BOXES]],
        }
        return {key: value for key, value in values.items() if value is not None}


_RANK = {"low": 0, "normal": 1, "high": 2}


def _severest(observations: Sequence[Observation]) -> str:
    return max((o.severity for o in observations), key=lambda s: _RANK[s])
