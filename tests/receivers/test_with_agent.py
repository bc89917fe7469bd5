"""Each HTTP receiver inside a real agent: a 2xx answer means the event is in the SQLite outbox."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from edge_agent.agent import Agent
from edge_agent.bootstrap import SOURCE_FACTORIES, SourceFactory, build_agent
from edge_agent.receivers.access import AccessHttpSource
from edge_agent.receivers.intake import HttpReceiver
from edge_agent.receivers.place_scan import PlaceScanHttpSource
from edge_agent.receivers.sensor import SensorHttpSource
from edge_agent.receivers.vehicle import VehicleHttpSource
from edge_agent.settings import AgentSettings
from sitewatch.protocol import pseudonymise
from tests.agent.fakes import FakeLink

KEY = "receivers-with-agent-site-key"
RECEIVERS: dict[str, Any] = {
    "place_scan_http": PlaceScanHttpSource,
    "access_http": AccessHttpSource,
    "vehicle_http": VehicleHttpSource,
    "sensor_http": SensorHttpSource,
}
FACTORIES: dict[str, SourceFactory] = {
    **SOURCE_FACTORIES,
    **{name: cls.from_settings for name, cls in RECEIVERS.items()},
}
PUSHES = {
    "place_scan_http": {"terminal": "T-1", "id_number": "110101199003074518", "health": "red"},
    "access_http": {"door": "A-1", "card_number": "12345678", "result": "door_forced_open"},
    "vehicle_http": {"camera": "lpr-1", "plate": "京A 12345", "direction": "in", "result": "ok"},
    "sensor_http": {"sensor": "leak-3", "metric": "water_leak", "value": True},
}
EXPECTED: dict[str, dict[str, Any]] = {
    "place_scan_http": {
        "subject": pseudonymise(KEY.encode(), "110101199003074518"),
        "verdict": "deny",
    },
    "access_http": {"credential": {"type": "card", "ref": pseudonymise(KEY.encode(), "12345678")}},
    "vehicle_http": {"plate": "京A12345", "result": "granted"},
    "sensor_http": {"metric": "water_leak", "alarm": True},
}


@contextmanager
def agent_with(tmp_path: Path, source: dict[str, Any], **changes: Any) -> Iterator[Agent]:
    """A running agent whose broker is down, so whatever is stored stays in the outbox."""
    settings = AgentSettings(
        site="park-1",
        gateway="gw-1",
        environment="development",
        site_key=KEY,
        outbox={"path": tmp_path / "outbox.db", **changes.pop("outbox", {})},
        sources=[{"host": "127.0.0.1", "port": 0, **source}],
        **changes,
    )
    agent = build_agent(settings, link=FakeLink(connected=False), factories=FACTORIES)
    stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield agent
    finally:
        stop.set()
        thread.join(10)
        assert not thread.is_alive()


def push_url(agent: Agent) -> str:
    """Where the agent's only source, an HTTP receiver, takes pushes."""
    receiver = agent.sources[0]
    assert isinstance(receiver, HttpReceiver)
    assert receiver.ready.wait(5)
    assert receiver.bound is not None
    host, port = receiver.bound
    return f"http://{host}:{port}/events"


@pytest.mark.parametrize("kind", sorted(RECEIVERS))
def test_the_event_is_in_the_outbox_when_the_answer_arrives(tmp_path: Path, kind: str) -> None:
    with agent_with(tmp_path, {"type": kind}) as agent:
        answer = httpx.post(push_url(agent), json=PUSHES[kind])
        # No waiting: the answer itself promises the outbox has it.
        records = agent.outbox.peek(10)
        assert (answer.status_code, answer.json()) == (202, {"accepted": 1})
        assert len(records) == 1
        event = orjson.loads(records[0].payload)
        assert (event["kind"], event["seq"], event["site"]) == (
            kind.removesuffix("_http"),
            1,
            "park-1",
        )
        assert EXPECTED[kind].items() <= event.items()

        refused = httpx.post(push_url(agent), json=[PUSHES[kind], {"bogus": 1}])
        assert refused.status_code == 422
        assert agent.outbox.depth() == 1  # all or nothing
        health = agent.health().sources[kind]
        assert (health["accepted"], health["events"], health["requests"]) == (1, 1, 2)


def test_a_full_outbox_refuses_with_503_and_keeps_what_it_has(tmp_path: Path) -> None:
    source = {"type": "sensor_http"}
    with agent_with(tmp_path, source, outbox={"max_bytes": 1024}) as agent:
        url = push_url(agent)
        reading = PUSHES["sensor_http"]
        statuses = [httpx.post(url, json=reading).status_code for _ in range(10)]
        stored = statuses.index(503)
        assert stored >= 1 and set(statuses[:stored]) == {202}
        depth = agent.outbox.depth()
        assert depth == stored
        answer = httpx.post(url, json=[reading, reading])
        assert answer.status_code == 503
        assert answer.headers["Retry-After"].isdigit()
        assert agent.outbox.depth() == depth
        assert agent.health().dropped["events_refused"] >= 3
