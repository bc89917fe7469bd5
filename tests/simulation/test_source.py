"""The simulator source: plays the model against an injected clock into an event sink."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pytest

from edge_agent.ports import Draft, EventSink, OutboxFull
from edge_agent.simulation import SimulatorSourceSettings, SiteRegistry, TrafficModel
from edge_agent.sources import SimulatorSource
from sitewatch.protocol import MediaRef
from tests.simulation.conftest import SEED, SHANGHAI, SITE_KEY, WEDNESDAY

SITE = "riverside-science-park"


class ListSink(EventSink):
    """Keeps what it is given; refuses the first `refusals` groups as a full outbox would."""

    def __init__(self, refusals: int = 0) -> None:
        self.groups: list[list[Draft]] = []
        self.refusals = refusals
        self.changed = threading.Condition()

    def emit(self, drafts: Sequence[Draft]) -> None:
        """Record a group, or refuse it while refusals remain."""
        if self.refusals:
            self.refusals -= 1
            raise OutboxFull("outbox full")
        with self.changed:
            self.groups.append(list(drafts))
            self.changed.notify_all()

    def emit_media(
        self, data: bytes, content_type: str, role: Literal["snapshot", "clip"]
    ) -> MediaRef:
        """The simulator sends no media."""
        raise AssertionError("no media expected")

    @property
    def drafts(self) -> list[Draft]:
        """Everything emitted, in order."""
        with self.changed:
            return [d for group in self.groups for d in group]

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        """Wait until at least `count` drafts have arrived."""
        with self.changed:
            return self.changed.wait_for(
                lambda: sum(map(len, self.groups)) >= count, timeout=timeout
            )


class SteppingClock:
    """A monotonic clock that moves `step` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.step, self.now = step, 0.0

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def _run(source: SimulatorSource, sink: EventSink) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=source.run, args=(sink, stop), daemon=True)
    thread.start()
    return thread, stop


def test_speed_mode_plays_the_model_in_order_and_stops_when_told(
    models: dict[str, TrafficModel],
) -> None:
    model = models["gw-north"]
    start = WEDNESDAY + timedelta(hours=8)
    # Each clock read is one real second, i.e. ten simulated minutes.
    source = SimulatorSource(
        model, speed=600, start=start, monotonic=SteppingClock(1.0), emit_every_s=0.001
    )
    sink = ListSink()
    thread, stop = _run(source, sink)
    assert sink.wait_for(1500)
    stop.set()
    thread.join(timeout=1.0)
    assert not thread.is_alive()
    drafts = sink.drafts
    assert drafts == list(itertools.islice(model.events_from(start), len(drafts)))
    counters = source.counters()
    assert counters["emitted"] == len(drafts)
    assert counters["emitted_access"] == Counter(d.kind for d in drafts)["access"]


def test_speed_mode_emits_only_what_is_due(models: dict[str, TrafficModel]) -> None:
    start = WEDNESDAY + timedelta(hours=9)
    clock = SteppingClock(0.1)  # a tenth of a second per read at speed 1: almost nothing due
    source = SimulatorSource(models["gw-north"], speed=1, start=start, monotonic=clock)
    sink = ListSink()
    thread, stop = _run(source, sink)
    time.sleep(0.3)
    stop.set()
    thread.join(timeout=1.0)
    latest = start + timedelta(seconds=clock.now)
    assert all(start <= d.ts <= latest for d in sink.drafts)


def test_stop_is_prompt_even_with_a_long_emit_interval(models: dict[str, TrafficModel]) -> None:
    source = SimulatorSource(models["gw-south"], emit_every_s=30.0)
    thread, stop = _run(source, ListSink())
    time.sleep(0.05)
    began = time.monotonic()
    stop.set()
    thread.join(timeout=10.0)
    assert not thread.is_alive()
    # Far below the 30 s interval it would otherwise sleep out; loose enough for a loaded
    # machine (1.5 s was seen with a load average of 160 on two cores).
    assert time.monotonic() - began < 5.0


def test_rate_mode_emits_the_limit_then_returns(models: dict[str, TrafficModel]) -> None:
    start = datetime(2025, 3, 12, 2, 0, tzinfo=UTC)
    source = SimulatorSource(
        models["gw-north"],
        rate=200.0,
        start=start,
        limit=300,
        monotonic=SteppingClock(0.5),
        emit_every_s=0.001,
    )
    sink = ListSink()
    thread, _ = _run(source, sink)
    thread.join(timeout=5.0)
    assert not thread.is_alive(), "the source returns once the limit is reached"
    drafts = sink.drafts
    assert len(drafts) == 300
    assert drafts[0].ts == start and drafts[-1].ts == start + timedelta(seconds=299 / 200)
    assert max(len(g) for g in sink.groups) <= 101  # half a second at 200/s, plus the first
    assert len({d.kind for d in drafts}) >= 4


def test_a_full_outbox_is_retried_not_dropped(models: dict[str, TrafficModel]) -> None:
    start = datetime(2025, 3, 12, 2, 0, tzinfo=UTC)
    source = SimulatorSource(
        models["gw-north"],
        rate=100.0,
        start=start,
        limit=50,
        monotonic=SteppingClock(1.0),
        emit_every_s=0.001,
    )
    sink = ListSink(refusals=3)
    thread, _ = _run(source, sink)
    thread.join(timeout=5.0)
    assert [d.ts for d in sink.drafts] == [
        d.ts for d in models["gw-north"].rate_events(start, 50, 100.0)
    ]
    assert source.counters()["refused"] == 3
    assert source.counters()["emitted"] == 50


def test_from_settings_builds_the_demo_source(demo: SiteRegistry) -> None:
    # A naive start is wall-clock time at the site.
    cfg = SimulatorSourceSettings(start=datetime(2025, 3, 12, 8, 30), seed=SEED, rate=1000, limit=5)
    source = SimulatorSource.from_settings(cfg, _Context(SITE, "gw-north", SITE_KEY))
    assert source.model.served == demo.served_devices("gw-north")
    sink = ListSink()
    thread, _ = _run(source, sink)
    thread.join(timeout=5.0)
    assert len(sink.drafts) == 5
    assert sink.drafts[0].ts == datetime(2025, 3, 12, 8, 30, tzinfo=SHANGHAI)


def test_from_settings_refuses_another_sites_registry() -> None:
    with pytest.raises(ValueError, match="riverside-science-park"):
        SimulatorSource.from_settings(
            SimulatorSourceSettings(), _Context("other", "gw-north", SITE_KEY)
        )
    with pytest.raises(KeyError, match="gw-east"):
        SimulatorSource.from_settings(
            SimulatorSourceSettings(), _Context(SITE, "gw-east", SITE_KEY)
        )


def test_a_load_test_agent_plays_a_registry_gateway() -> None:
    cfg = SimulatorSourceSettings(plays="gw-north", rate=100, limit=3)
    source = SimulatorSource.from_settings(cfg, _Context(SITE, "sim-007", SITE_KEY))
    assert source.model.gateway_id == "gw-north"


@dataclass
class _Entry:
    """A generic `sources:` entry as the agent's settings keep it."""

    type: str
    extra: dict[str, Any]

    def options(self) -> dict[str, Any]:
        return self.extra


@dataclass
class _Context:
    site: str
    gateway: str
    site_key: bytes


def test_from_settings_takes_the_bootstrap_entry_and_context() -> None:
    entry = _Entry("simulator", {"rate": 50, "limit": 10, "seed": 7})
    source = SimulatorSource.from_settings(entry, _Context(SITE, "gw-south", SITE_KEY))
    assert source.model.gateway_id == "gw-south"
    with pytest.raises(ValueError, match="speed"):
        SimulatorSource.from_settings(
            _Entry("simulator", {"speed": 0}), _Context(SITE, "gw-south", SITE_KEY)
        )


def test_speed_mode_stops_at_its_end(demo: SiteRegistry) -> None:
    start = datetime(2025, 3, 12, 8, 0, tzinfo=SHANGHAI)
    end = datetime(2025, 3, 12, 8, 10, tzinfo=SHANGHAI)
    cfg = SimulatorSourceSettings(start=start, end=end, speed=100_000, seed=SEED)
    source = SimulatorSource.from_settings(cfg, _Context(SITE, "gw-north", SITE_KEY))
    sink = ListSink()
    thread, _ = _run(source, sink)
    thread.join(timeout=5.0)
    assert not thread.is_alive(), "the source returns by itself at its end"
    expected = list(TrafficModel(demo, "gw-north", SITE_KEY, SEED).events_between(start, end))
    assert [d.ts for d in sink.drafts] == [d.ts for d in expected]
    assert sink.drafts and max(d.ts for d in sink.drafts) < end
