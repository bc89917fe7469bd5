"""The agent against a real Mosquitto: every seq arrives, through broker restarts too."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge_agent.agent import Agent
from edge_agent.bootstrap import build_agent
from edge_agent.settings import AgentSettings
from tests.support.mqtt_probe import MqttProbe
from tests.support.servers import MosquittoServer

pytestmark = pytest.mark.integration

COUNTING = "tests.support.counting_source:CountingSource"
FILTERS = ["sitewatch/v1/+/+/events", "sitewatch/v1/+/+/status"]


def agent_settings(tmp_path: Path, port: int, **source: Any) -> AgentSettings:
    """Settings of an agent on the test broker with one counting source."""
    return AgentSettings(
        site="park-1",
        gateway="gw-1",
        site_key="test-site-key-0123456789",
        broker={"host": "127.0.0.1", "port": port, "reconnect_min_s": 0.1,
                "reconnect_max_s": 0.5},
        outbox={"path": tmp_path / "agent" / "outbox.db"},
        sources=[{"type": "python", "target": COUNTING, **source}],
    )


@pytest.fixture
def probe(mosquitto: MosquittoServer) -> Iterator[MqttProbe]:
    """A persistent-session subscriber to events and status, subscribed before the agent."""
    subscriber = MqttProbe(mosquitto.port, FILTERS, client_id="probe-delivery")
    yield subscriber
    subscriber.stop()


def start(agent: Agent) -> tuple[threading.Event, threading.Thread]:
    """Run the agent in a thread."""
    stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(stop,), daemon=True)
    thread.start()
    return stop, thread


def assert_one_id_per_seq(probe: MqttProbe, last: int) -> None:
    """Every seq 1..last arrived, each always with the same event id, ids all distinct."""
    assert probe.seqs == set(range(1, last + 1))
    assert all(len(ids) == 1 for ids in probe.ids_by_seq.values())
    assert len({next(iter(ids)) for ids in probe.ids_by_seq.values()}) == last


def test_agent_delivers_5000_events(
    mosquitto: MosquittoServer, probe: MqttProbe, tmp_path: Path
) -> None:
    agent = build_agent(agent_settings(tmp_path, mosquitto.port, count=5000, chunk=50))
    stop, thread = start(agent)
    try:
        assert probe.wait_for(lambda: len(probe.seqs) == 5000, timeout=30)
        assert probe.wait_for(lambda: agent.outbox.depth() == 0, timeout=10)
        status = probe.last_status()
        assert status is not None and status["state"] == "online"
        assert status["config_hash"] == agent.identity.config_hash
    finally:
        stop.set()
        thread.join(15)
    assert not thread.is_alive()
    assert_one_id_per_seq(probe, 5000)
    assert probe.wait_for(lambda: (probe.last_status() or {}).get("state") == "offline", 5)


def test_broker_restarted_twice_during_20000_events(
    mosquitto: MosquittoServer, probe: MqttProbe, tmp_path: Path
) -> None:
    agent = build_agent(
        agent_settings(tmp_path, mosquitto.port, count=20_000, chunk=100, pause_s=0.01)
    )
    stop, thread = start(agent)
    try:
        for received in (3_000, 10_000):
            assert probe.wait_for_seqs(received, timeout=30)
            mosquitto.stop()  # SIGTERM: the broker saves sessions and queues
            assert probe.wait_for(lambda: not agent.link.connected, 5)
            time.sleep(0.3)  # the source keeps emitting: a backlog builds in the outbox
            mosquitto.start()
        assert probe.wait_for(lambda: len(probe.seqs) == 20_000, timeout=60)
        assert probe.wait_for(lambda: agent.outbox.depth() == 0, timeout=15)
        assert agent.pump.inflight == 0
    finally:
        stop.set()
        thread.join(15)
    assert_one_id_per_seq(probe, 20_000)
