"""The simulator source: plays the traffic model against a clock into the agent's event sink."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from edge_agent.ports import Draft, EventSink, OutboxFull, Source
from edge_agent.settings import SourceContext, SourceEntry, source_settings
from edge_agent.simulation.model import TrafficModel
from edge_agent.simulation.registry import load_registry
from edge_agent.simulation.settings import SimulatorSourceSettings

_MAX_GROUP = 1000  # drafts per sink.emit: one outbox transaction stays short


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SimulatorSource(Source):
    """Emits simulated events at `speed` times real time, or at a fixed `rate` per second."""

    def __init__(
        self,
        model: TrafficModel,
        *,
        speed: float = 1.0,
        rate: float | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int | None = None,
        emit_every_s: float = 0.1,
        clock: Callable[[], datetime] = _utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        name: str = "simulator",
    ) -> None:
        if speed <= 0 or (rate is not None and rate <= 0):
            raise ValueError("speed and rate must be positive")
        self.name = name
        self.model = model
        self._speed, self._rate, self._start, self._limit = speed, rate, start, limit
        self._end = end
        self._emit_every_s = emit_every_s
        self._clock, self._monotonic = clock, monotonic
        self._lock = threading.Lock()
        self._emitted: Counter[str] = Counter()
        self._refused = 0

    @classmethod
    def from_settings(
        cls, cfg: SimulatorSourceSettings | SourceEntry, context: SourceContext
    ) -> SimulatorSource:
        """Build the source for the agent's site and gateway (the bootstrap's factory call)."""
        cfg = source_settings(SimulatorSourceSettings, cfg)
        registry = load_registry(cfg.registry)
        if registry.site.id != context.site:
            raise ValueError(
                f"the registry describes site {registry.site.id!r}, not {context.site!r}"
            )
        zone = ZoneInfo(registry.site.timezone)
        # A wall-clock time without an offset is the site's local time.
        start = cfg.start.replace(tzinfo=zone) if cfg.start and not cfg.start.tzinfo else cfg.start
        end = cfg.end.replace(tzinfo=zone) if cfg.end and not cfg.end.tzinfo else cfg.end
        model = TrafficModel(registry, cfg.plays or context.gateway, context.site_key, cfg.seed)
        return cls(
            model,
            speed=cfg.speed,
            rate=cfg.rate,
            start=start,
            end=end,
            limit=cfg.limit,
            emit_every_s=cfg.emit_every_s,
        )

    def run(self, sink: EventSink, stop: threading.Event) -> None:
        """Emit due drafts every `emit_every_s` until `stop` is set or `limit` is reached."""
        origin = (self._start or self._clock()).astimezone(self.model.timezone)
        began = self._monotonic()
        drafts: Iterator[Draft]
        if self._rate is not None:
            drafts = self.model.rate_events(origin, self._limit, self._rate)
        else:
            if self._end is not None:
                drafts = self.model.events_between(origin, self._end)
            else:
                drafts = self.model.events_from(origin)
            if self._limit is not None:
                drafts = itertools.islice(drafts, self._limit)
        pending: Draft | None = None
        emitted = 0
        while not stop.is_set():
            elapsed = self._monotonic() - began
            if self._rate is not None:
                due = min(_MAX_GROUP, int(elapsed * self._rate) + 1 - emitted)
                group, pending, finished = _take(drafts, pending, due, None)
            else:
                until = origin + timedelta(seconds=elapsed * self._speed)
                group, pending, finished = _take(drafts, pending, _MAX_GROUP, until)
            if group:
                if not self._deliver(sink, group, stop):
                    return
                emitted += len(group)
            if finished:
                return
            if len(group) < _MAX_GROUP:  # caught up; a full group means more is due now
                stop.wait(self._emit_every_s)

    def counters(self) -> dict[str, int]:
        """Events emitted in all and by kind, and how often the outbox refused a group."""
        with self._lock:
            counts = {f"emitted_{kind}": n for kind, n in sorted(self._emitted.items())}
            return {"emitted": sum(self._emitted.values()), **counts, "refused": self._refused}

    def _deliver(self, sink: EventSink, group: Sequence[Draft], stop: threading.Event) -> bool:
        """Hand a group to the sink; while the outbox is full, wait and retry. False on stop."""
        while True:
            try:
                sink.emit(group)
            except OutboxFull:
                with self._lock:
                    self._refused += 1
                if stop.wait(self._emit_every_s):
                    return False
                continue
            with self._lock:
                self._emitted.update(d.kind for d in group)
            return True


def _take(
    drafts: Iterator[Draft], pending: Draft | None, count: int, until: datetime | None
) -> tuple[list[Draft], Draft | None, bool]:
    """Up to `count` drafts stamped up to `until`; also the first not yet due, and whether
    the drafts ran out."""
    group: list[Draft] = []
    while len(group) < count:
        draft = pending if pending is not None else next(drafts, None)
        pending = None
        if draft is None:
            return group, None, True
        if until is not None and draft.ts > until:
            return group, draft, False
        group.append(draft)
    return group, None, False
