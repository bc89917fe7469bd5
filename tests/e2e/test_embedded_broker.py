"""The embedded default's fallback: hub and agent over the in-process amqtt broker (MQTT 3.1.1).

`make demo` on a machine without Mosquitto runs exactly this pairing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge_agent.bootstrap import SOURCE_FACTORIES, build_agent
from edge_agent.settings import load_settings
from hub.bootstrap import build_hub
from hub.settings import load_hub_settings
from sitewatch.brokers import AmqttBroker
from tests.e2e.conftest import SITE, SITE_KEY
from tests.support.auth import TEST_AUTH
from tests.support.counting_source import CountingSource
from tests.support.hub_runner import RunningHub, wait_until


@pytest.fixture
def amqtt_broker() -> Iterator[AmqttBroker]:
    """amqtt in this process on a free port."""
    broker = AmqttBroker().start()
    yield broker
    broker.stop()


def test_agent_to_hub_over_amqtt(amqtt_broker: AmqttBroker, tmp_path: Path) -> None:
    assert amqtt_broker.mqtt_version == "3.1.1"
    hub_settings = load_hub_settings(
        None,
        ledger_url=f"sqlite:///{tmp_path / 'ledger.db'}",
        media_dir=str(tmp_path / "media"),
        broker={"port": amqtt_broker.port, "client_id": "hub-amqtt", "mqtt_version": "3.1.1"},
        api={"port": 0},
        auth=TEST_AUTH,
    )
    stop = threading.Event()
    hub_core = build_hub(hub_settings)
    hub_core.start(stop)
    assert hub_core.subscriber.wait_connected(10)
    hub = RunningHub(hub_core, stop)
    agent_settings = load_settings(
        None, environment="development", site=SITE, gateway="gw-north", site_key=SITE_KEY,
        broker={"host": "127.0.0.1", "port": amqtt_broker.port, "mqtt_version": "3.1.1"},
        outbox={"path": str(tmp_path / "outbox.db")}, health_interval_s=1,
        sources=[{"type": "counting"}],
    )
    factories = {**SOURCE_FACTORIES,
                 "counting": lambda cfg, ctx: CountingSource(cfg.label, 2_000, chunk=100)}
    agent = build_agent(agent_settings, factories=factories)
    agent_stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(agent_stop,))
    thread.start()
    try:
        wait_until(lambda: hub_core.ingest.counters.events_stored == 2_000, timeout=60)
        wait_until(lambda: bool(hub.api.get("/api/v1/gateways").json()))
        [gateway] = hub.api.get("/api/v1/gateways").json()
        assert gateway["gaps"] == [] and gateway["last_seq"] == 2_000
        wait_until(lambda: hub.api.get("/api/v1/gateways").json()[0]["state"] == "online")
    finally:
        agent_stop.set()
        thread.join(timeout=20)
        hub.close()
