"""End to end on a real Mosquitto: a fever scan published over MQTT, through ingest and the
rules, opens an alarm that is announced on `{prefix}/alarms/{site}`."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import paho.mqtt.client as mqtt
import pytest
from ulid import ULID

from hub.alarms import AlarmQuery, AlarmService, AlarmStore
from hub.ingest import IngestLimits
from hub.ledger import Ledger
from hub.media import MediaStore
from hub.mqtt import PahoAlarmPublisher, PahoSubscriber
from hub.rules import RuleEngine, StaticRuleContext, load_default_rules
from hub.service import IngestService
from hub.settings import BrokerSettings
from sitewatch.bench.mqtt_baseline import publish_all
from sitewatch.protocol import DEFAULT_PREFIX, Topics
from tests.support.hub_runner import wait_until
from tests.support.mqtt_probe import MqttProbe
from tests.support.servers import MosquittoServer

SITE, GATEWAY = "park", "gw-1"
STATUS = {"state": "online", "agent_version": "0.1.0", "started_at": "2026-11-22T00:00:00Z",
          "config_hash": "c0ffee"}


class AlarmProbe(MqttProbe):
    """The test's paho subscriber, keeping what arrives on the alarm topics."""

    def __init__(self, port: int) -> None:
        self.alarms: list[tuple[str, dict[str, Any]]] = []
        super().__init__(port, [f"{DEFAULT_PREFIX}/alarms/#"], client_id="alarm-probe")

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.alarms.append((message.topic, orjson.loads(message.payload)))


@dataclass
class RunningHub:
    """Ingest and alarms wired as the composition root wires them."""

    ingest: IngestService
    alarms: AlarmService
    store: AlarmStore


@pytest.fixture
def hub(mosquitto: MosquittoServer, tmp_path: Path) -> Iterator[RunningHub]:
    """Ingest on a SQLite ledger with the alarm service listening, on the test's broker."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = Ledger.open(url)
    ledger.migrate()
    store = AlarmStore.open(url)
    broker = BrokerSettings(port=mosquitto.port, client_id="alarm-test-hub")
    publisher = PahoAlarmPublisher(broker, DEFAULT_PREFIX)
    engine = RuleEngine(load_default_rules(), StaticRuleContext())
    alarms = AlarmService(engine, store, [publisher])
    topics = Topics(DEFAULT_PREFIX)
    subscriber = PahoSubscriber(broker, topics.subscriptions())
    ingest = IngestService(subscriber, ledger, MediaStore(tmp_path / "media"), topics,
                           IngestLimits(1 << 20, 1 << 20), listeners=[alarms])
    stop = threading.Event()
    threads = [threading.Thread(target=ingest.run, args=(stop,)),
               threading.Thread(target=alarms.run, args=(stop,))]
    # Retained, so it reaches the hub whenever its subscription lands: once it has
    # arrived, the hub sees whatever the test publishes.
    subprocess.run(
        ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(mosquitto.port), "-q", "1", "-r",
         "-t", topics.status(SITE, GATEWAY), "-m", orjson.dumps(STATUS).decode()],
        check=True, timeout=30,
    )
    for thread in threads:
        thread.start()
    try:  # stop the workers even when setting up fails, or pytest waits on them forever
        subscriber.start(ingest.deliver)
        assert publisher.wait_connected(10)
        wait_until(lambda: ingest.counters.messages >= 1)
        yield RunningHub(ingest, alarms, store)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
        subscriber.stop()
    store.close()
    ledger.close()


def fever_scan(seq: int, temperature_c: float) -> dict[str, Any]:
    """A place scan envelope as an agent sends it, timestamped now."""
    return {
        "v": 1, "id": str(ULID()), "seq": seq, "ts": datetime.now(UTC).isoformat(), "site": SITE,
        "gateway": GATEWAY, "device": "mg-sentinel-1", "kind": "place_scan",
        "subject": "5" * 64, "method": "id_card", "health": "green",
        "temperature_c": temperature_c, "verdict": "pass",
    }


def test_a_fever_scan_over_mqtt_opens_an_alarm_announced_on_the_alarm_topic(
    hub: RunningHub, mosquitto: MosquittoServer
) -> None:
    probe = AlarmProbe(mosquitto.port)
    try:
        events_topic = Topics(DEFAULT_PREFIX).events(SITE, GATEWAY)
        hot, normal = fever_scan(1, 38.4), fever_scan(2, 36.4)
        publish_all(mosquitto.port, [(events_topic, orjson.dumps([normal, hot]))])
        assert probe.wait_for(lambda: len(probe.alarms) >= 1, timeout=20)
        [alarm] = hub.store.list_alarms(AlarmQuery())
        topic, document = probe.alarms[0]
        assert topic == f"{DEFAULT_PREFIX}/alarms/{SITE}"
        assert document["change"] == "opened"
        assert document["alarm"]["id"] == alarm.id
        assert document["alarm"]["rule"] == "fever" and document["alarm"]["state"] == "open"
        assert document["alarm"]["event_ids"] == [hot["id"]]
        assert document["alarm"]["detail"]["temperature_c"] == 38.4
        assert hub.ingest.counters.events_stored == 2
    finally:
        probe.stop()
