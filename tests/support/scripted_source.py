"""A test-only source that emits a fixed script of drafts once, then idles until stopped."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from edge_agent.ports import Draft, EventSink, Source

Script = Callable[[EventSink], Sequence[Draft]]


class ScriptedSource(Source):
    """Calls `script(sink)` (which may add media to the sink) and emits what it returns."""

    def __init__(self, name: str, script: Script) -> None:
        self.name = name
        self._script = script
        self.emitted = 0

    def run(self, sink: EventSink, stop: threading.Event) -> None:
        """Emit the script once, then wait for stop."""
        drafts = self._script(sink)
        sink.emit(drafts)
        self.emitted = len(drafts)
        stop.wait()

    def counters(self) -> dict[str, int]:
        """How many drafts were emitted."""
        return {"emitted": self.emitted}
