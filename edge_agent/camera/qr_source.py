"""The QR camera source: health and place codes held up at an entrance become place_scans.

The identifier a code carries is personal: it is pseudonymised with the site key as soon
as it is parsed and never logged, counted or kept in clear.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from edge_agent.camera.capture import FrameFeed, FrameSource
from edge_agent.camera.memory import tame_malloc
from edge_agent.camera.meter import PipelineMeter
from edge_agent.camera.qr import QrReader
from edge_agent.camera.qr_debounce import QrDebouncer
from edge_agent.camera.qr_payload import Health, QrPayload, parse_payload
from edge_agent.camera.source_settings import (
    QrCameraSourceSettings,
)
from edge_agent.ports import Draft, EventSink, OutboxFull, Priority, Source
from edge_agent.settings import SourceContext, SourceEntry, source_settings
from sitewatch.protocol import CameraHealth, pseudonymise

log = logging.getLogger(__name__)
_HEALTH_WINDOW_S = 10.0  # seconds over which scans per second and latency are measured


class QrCameraSource(Source):
    """Decodes QR codes at up to `scan_hz` and emits one place_scan per code per window."""

    def __init__(
        self,
        capture: FrameFeed,
        settings: QrCameraSourceSettings,
        site_key: bytes,
        *,
        reader: QrReader | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        name: str = "camera_qr",
    ) -> None:
        self.name = name
        self.settings = settings
        self._capture = capture
        self._site_key = site_key
        self._reader = reader or QrReader()
        self._monotonic = monotonic
        self._tz: tzinfo = ZoneInfo(settings.timezone)
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._meter = PipelineMeter(_HEALTH_WINDOW_S, monotonic())

    @classmethod
    def from_settings(
        cls, cfg: QrCameraSourceSettings | SourceEntry, context: SourceContext
    ) -> QrCameraSource:
        """Build the source from its entry of the agent settings (the bootstrap's call)."""
        settings = source_settings(QrCameraSourceSettings, cfg)
        return cls(FrameSource.from_settings(settings), settings, context.site_key)

    def run(self, sink: EventSink, stop: threading.Event) -> None:
        """Scan frames until `stop` is set (or a file without loop ends)."""
        tame_malloc()
        debouncer = QrDebouncer(self.settings.debounce_s)
        period = 1.0 / self.settings.scan_hz
        last_scan: float | None = None
        self._meter = PipelineMeter(_HEALTH_WINDOW_S, self._monotonic())
        for frame in self._capture.frames(stop):
            self._count("frames")
            # 0.9 of a period: stamps with jitter still give scan_hz scans a second.
            if last_scan is not None and frame.ts - last_scan < 0.9 * period:
                continue
            last_scan = frame.ts
            drafts = [
                draft
                for text in self._reader.decode(frame.image)
                if (draft := self._scan(text, frame.ts, debouncer)) is not None
            ]
            self._count("scanned")
            if drafts:
                self._deliver(sink, drafts)
            self._meter.frame_done(frame.read_at, self._monotonic())

    def counters(self) -> dict[str, int]:
        """Frames seen and scanned, codes read, events emitted, repeats, refused."""
        state = self._capture.state()
        with self._lock:
            counts = dict(self._counts)
        return {**counts, "reconnects": state.reconnects, "dropped_frames": state.dropped}

    def cameras(self) -> dict[str, CameraHealth]:
        """This camera's fps, latency, dropped frames and whether it is online."""
        state = self._capture.state()
        health = self._meter.health(self._monotonic(), online=state.online, dropped=state.dropped)
        return {self.settings.camera: health}

    def _scan(self, text: str, ts: float, debouncer: QrDebouncer) -> Draft | None:
        """The place_scan of one decoded code, or None if unreadable or a repeat."""
        self._count("codes")
        payload = parse_payload(text)
        subject = self._subject(payload)
        if payload is None or subject is None:
            self._count("unreadable")
            return None
        # Keyed by pseudonym: the debouncer never holds an identifier in clear.
        if not debouncer.admit(subject, ts):
            self._count("repeats")
            return None
        return Draft(
            kind="place_scan",
            device=self.settings.camera,
            ts=datetime.fromtimestamp(ts, self._tz),
            fields={
                "subject": subject,
                "method": self.settings.method,
                "health": payload.health,
                "temperature_c": payload.temperature_c,
                "verdict": self._verdict(payload.health, payload.temperature_c),
                "visitor": self.settings.visitor,
            },
            priority=Priority.HIGH,
        )

    def _subject(self, payload: QrPayload | None) -> str | None:
        if payload is None:
            return None
        try:
            return pseudonymise(self._site_key, payload.identifier)
        except ValueError:  # nothing left after normalisation (punctuation only)
            return None

    def _verdict(self, health: Health, temperature_c: float | None) -> str:
        """Deny the configured colours (red, yellow) and a fever; pass the rest."""
        fever = self.settings.fever_c
        if health in self.settings.deny_health:
            return "deny"
        if fever is not None and temperature_c is not None and temperature_c >= fever:
            return "deny"
        return "pass"

    def _deliver(self, sink: EventSink, drafts: list[Draft]) -> None:
        try:
            sink.emit(drafts)
        except OutboxFull:
            self._count("refused", len(drafts))
            log.warning("outbox full: %d place_scan event(s) refused", len(drafts))
            return
        except ValueError as exc:  # a bug, not a reason to stop scanning the entrance
            self._count("invalid", len(drafts))
            log.error("place_scan rejected: %s", exc)
            return
        self._count("events", len(drafts))

    def _count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self._counts[key] += n
