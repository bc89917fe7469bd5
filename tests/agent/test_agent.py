"""The agent over a fake link: sources supervised, outbox drained, offline said on stop."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from edge_agent.agent import Agent, Timing
from edge_agent.bootstrap import SOURCE_FACTORIES, SourceUnavailable, build_agent, build_sources
from edge_agent.ports import EventSink, Priority, Source
from edge_agent.receivers.access_log import AccessLogSource
from edge_agent.settings import AgentSettings, SourceContext, SourceSettings
from sitewatch.protocol import CameraHealth
from tests.agent.fakes import FakeLink
from tests.support.counting_source import CountingSource, sensor_draft

COUNTING = "tests.support.counting_source:CountingSource"


class FlakySource(Source):
    """Fails on its first two runs, then emits one event and waits."""

    def __init__(self) -> None:
        self.name = "flaky"
        self.runs = 0

    def run(self, sink: EventSink, stop: threading.Event) -> None:
        """Raise twice, then behave."""
        self.runs += 1
        if self.runs <= 2:
            raise RuntimeError("scanner unplugged")
        sink.emit([sensor_draft(0, device="flaky")])
        stop.wait()


def settings_for(tmp_path: Path, **changes: Any) -> AgentSettings:
    """Development settings with the outbox under tmp_path."""
    values: dict[str, Any] = {
        "site": "park-1",
        "gateway": "gw-1",
        "environment": "development",
        "outbox": {"path": tmp_path / "outbox.db"},
        **changes,
    }
    return AgentSettings(**values)


def run_in_thread(agent: Agent) -> tuple[threading.Event, threading.Thread]:
    """Start agent.run in a thread; return its stop event and thread."""
    stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(stop,), daemon=True)
    thread.start()
    return stop, thread


def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll until the condition holds or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_agent_delivers_supervises_and_says_offline(tmp_path: Path) -> None:
    link = FakeLink(auto_ack=True)
    flaky = FlakySource()
    settings = settings_for(
        tmp_path,
        sources=[
            {"type": "python", "target": COUNTING, "count": 250, "name": "scan"},
            {"type": "flaky"},
        ],
    )
    factories = {**SOURCE_FACTORIES, "flaky": lambda cfg, ctx: flaky}
    agent = build_agent(settings, link=link, factories=factories)
    agent.timing = Timing(health_interval_s=0.05, shutdown_grace_s=2, restart_min_s=0.01)

    stop, thread = run_in_thread(agent)
    assert eventually(lambda: agent.pump.delivered == 251)
    assert eventually(lambda: any(m.topic.endswith("/health") for m in link.published.values()))
    health = agent.health()
    assert health.sources["scan"]["events"] == 250
    assert health.sources["scan"]["emitted"] == 250
    assert health.sources["flaky"] == {"events": 1, "restarts": 2}
    stop.set()
    thread.join(10)

    assert not thread.is_alive() and link.stopped
    last = list(link.published.values())[-1]
    assert last.topic == "sitewatch/v1/park-1/gw-1/status" and last.retain
    assert orjson.loads(last.payload)["state"] == "offline"
    assert flaky.runs == 3


def test_a_refused_outbox_write_is_counted_for_the_source(tmp_path: Path) -> None:
    link = FakeLink(connected=False)
    settings = settings_for(
        tmp_path,
        outbox={"path": tmp_path / "outbox.db", "max_bytes": 4096},
        sources=[{"type": "python", "target": COUNTING, "count": 100, "chunk": 1}],
    )
    agent = build_agent(settings, link=link)
    agent.timing = Timing(shutdown_grace_s=0, restart_min_s=60)
    stop, thread = run_in_thread(agent)
    assert eventually(lambda: agent.health().sources["python"].get("refused", 0) == 1)
    health = agent.health()
    assert health.dropped == {"events_refused": 1}
    assert health.outbox_depth == health.sources["python"]["events"]
    stop.set()
    thread.join(10)


def test_source_registry_refuses_unknown_and_unloadable_sources() -> None:
    ctx = SourceContext("s", "g", b"k" * 16)
    with pytest.raises(SourceUnavailable, match="unknown source type"):
        build_sources([SourceSettings(type="nope")], ctx)
    with pytest.raises(SourceUnavailable, match="cannot load"):
        build_sources([SourceSettings(type="python", target="no.such.module:X")], ctx)
    built = build_sources(
        [
            SourceSettings(type="python", target=COUNTING, name="a", count=3),
            SourceSettings(type="python", target=COUNTING, name="b", enabled=False),
        ],
        ctx,
    )
    assert [(s.name, type(s)) for s in built] == [("a", CountingSource)]


class CameraLikeSource(Source):
    """Emits LOW-priority motion-like events and reports one camera; another one breaks."""

    def __init__(self, name: str, *, broken: bool = False) -> None:
        self.name = name
        self.broken = broken

    def run(self, sink: EventSink, stop: threading.Event) -> None:
        """Emit LOW events one by one until told to stop."""
        for i in range(200):
            sink.emit([dataclasses.replace(sensor_draft(i), priority=Priority.LOW)])
        stop.wait()

    def cameras(self) -> dict[str, CameraHealth]:
        """One camera's figures, or an error for the broken one."""
        if self.broken:
            raise RuntimeError("camera figures unavailable")
        return {"cam-1": CameraHealth(fps=9.5, latency_ms=40.0, dropped_frames=3)}


def test_health_carries_camera_figures_shed_counts_and_unsent_reports(tmp_path: Path) -> None:
    link = FakeLink(connected=False)
    sources = {"cam": CameraLikeSource("cam"), "bad": CameraLikeSource("bad", broken=True)}
    settings = settings_for(
        tmp_path,
        outbox={"path": tmp_path / "outbox.db", "max_bytes": 8192},
        sources=[{"type": "cam", "name": "cam"}, {"type": "bad", "name": "bad"}],
    )
    factories = {name: (lambda cfg, ctx, s=s: s) for name, s in sources.items()}
    agent = build_agent(settings, link=link, factories=factories)
    agent.timing = Timing(health_interval_s=0.02, shutdown_grace_s=0, restart_min_s=60)
    stop, thread = run_in_thread(agent)
    assert eventually(lambda: agent.health().dropped.get("health_unsent", 0) >= 2)
    # Both sources have emitted all 200 (kept or shed) before the counts are compared.
    assert eventually(lambda: sum(
        c.get("events", 0) + c.get("shed", 0) for c in agent.health().sources.values()
    ) == 400)
    health = agent.health()
    assert health.cameras == {"cam-1": CameraHealth(fps=9.5, latency_ms=40.0, dropped_frames=3)}
    counts = [health.sources[n] for n in sources]
    assert sum(c.get("shed", 0) for c in counts) > 0
    assert health.dropped["low_events_shed"] == sum(c.get("shed", 0) for c in counts)
    assert "events_refused" not in health.dropped  # LOW data is shed, never refused
    stop.set()
    thread.join(10)


def test_every_receiver_type_is_built_from_agent_settings(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path,
        sources=[
            {"type": "place_scan_http", "port": 0},
            {"type": "access_http", "port": 0},
            {"type": "vehicle_http", "port": 0},
            {"type": "sensor_http", "port": 0},
            {"type": "access_log", "path": str(tmp_path / "controller.log")},
            {"type": "scanner_lines", "path": "-"},
        ],
    )
    sources = build_sources(settings.sources, SourceContext.from_settings(settings))
    assert [type(s).__name__ for s in sources] == [
        "PlaceScanHttpSource",
        "AccessHttpSource",
        "VehicleHttpSource",
        "SensorHttpSource",
        "AccessLogSource",
        "ScannerLinesSource",
    ]
    # The log position is kept beside the outbox, not in a system directory.
    log_tail = sources[4]
    assert isinstance(log_tail, AccessLogSource)
    assert log_tail.state_path.parent == tmp_path
