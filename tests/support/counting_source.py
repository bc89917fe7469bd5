"""A test-only source: emits a fixed number of sensor events, then idles until stopped."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from edge_agent.ports import Draft, EventSink, Source
from edge_agent.settings import SourceContext, SourceSettings


class CountingSource(Source):
    """Emits `count` events in chunks of `chunk`, pausing `pause_s` between chunks."""

    def __init__(self, name: str, count: int, chunk: int = 100, pause_s: float = 0.0) -> None:
        self.name = name
        self.count = count
        self.chunk = chunk
        self.pause_s = pause_s
        self.emitted = 0

    @classmethod
    def from_settings(cls, cfg: SourceSettings, ctx: SourceContext) -> CountingSource:
        """Built from `type: python` settings: count, chunk, pause_s."""
        options = cfg.options()
        return cls(
            cfg.label,
            count=int(options.get("count", 100)),
            chunk=int(options.get("chunk", 100)),
            pause_s=float(options.get("pause_s", 0.0)),
        )

    def run(self, sink: EventSink, stop: threading.Event) -> None:
        """Emit the events, then wait for stop."""
        while self.emitted < self.count and not stop.is_set():
            n = min(self.chunk, self.count - self.emitted)
            sink.emit([sensor_draft(self.emitted + i) for i in range(n)])
            self.emitted += n
            if self.pause_s:
                stop.wait(self.pause_s)
        stop.wait()

    def counters(self) -> dict[str, int]:
        """How many events this source has emitted."""
        return {"emitted": self.emitted}


def sensor_draft(number: int, device: str = "door-7") -> Draft:
    """A valid `sensor` draft whose value is `number`."""
    return Draft(
        kind="sensor",
        device=device,
        ts=datetime.now(UTC),
        fields={"metric": "door_contact", "value": float(number), "alarm": False},
    )
