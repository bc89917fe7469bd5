"""The fleet: many simulated gateways on one event loop, against a real Mosquitto."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import paho.mqtt.client as mqtt
import pytest

from edge_agent.simulation.fleet import Fleet, FleetSettings, FleetStats
from tests.support.mqtt_probe import MqttProbe
from tests.support.servers import MosquittoServer

EVENTS = "sitewatch/v1/+/+/events"
STATUS = "sitewatch/v1/+/+/status"


class GatewayProbe(MqttProbe):
    """The probe, keeping seqs and the latest status per gateway."""

    def __init__(self, port: int) -> None:
        self.per_gateway: dict[str, Counter[int]] = {}
        self.status_of: dict[str, str] = {}
        self.kinds: Counter[str] = Counter()
        super().__init__(port, [EVENTS, STATUS], client_id="fleet-probe")

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        gateway = message.topic.split("/")[3]
        document = orjson.loads(message.payload)
        with self._lock:
            if message.topic.endswith("/status"):
                self.status_of[gateway] = document["state"]
                return
            for event in document if isinstance(document, list) else [document]:
                assert event["gateway"] == gateway
                self.per_gateway.setdefault(gateway, Counter())[event["seq"]] += 1
                self.kinds[event["kind"]] += 1

    def distinct(self) -> int:
        """Distinct (gateway, seq) pairs received."""
        with self._lock:
            return sum(len(c) for c in self.per_gateway.values())


def run_fleet(settings: FleetSettings, seconds: float,
              during: Any = None) -> tuple[Fleet, FleetStats]:
    """Run a fleet for `seconds` (calling `during(fleet)` meanwhile); its final stats."""
    fleet = Fleet(settings)
    stop = threading.Event()
    result: list[FleetStats] = []
    thread = threading.Thread(target=lambda: result.append(fleet.run(stop)), name="fleet")
    thread.start()
    try:
        if during is not None:
            during(fleet)
        stop.wait(seconds)
    finally:
        stop.set()
        thread.join(60)
    assert result, "the fleet did not stop"
    return fleet, result[0]


def assert_complete(probe: GatewayProbe, fleet: Fleet, first_seq: int = 1) -> None:
    """Every gateway's seqs first_seq..last arrived, none missing."""
    for gateway in fleet.gateways:
        name = gateway.identity.gateway
        got = set(probe.per_gateway.get(name, Counter()))
        expected = set(range(first_seq, first_seq + gateway.emitted))
        assert got >= expected, f"{name}: missing {sorted(expected - got)[:10]}"
        assert max(got) == first_seq + gateway.emitted - 1


@pytest.fixture
def probe(mosquitto: MosquittoServer) -> Any:
    """A persistent-session subscriber on events and statuses."""
    subscriber = GatewayProbe(mosquitto.port)
    yield subscriber
    subscriber.stop()


def settings_for(port: int, data_dir: Path, **changes: Any) -> FleetSettings:
    """50 gateways at 500 events/s together, ticking fast so a short run shows much."""
    values: dict[str, Any] = {
        "broker_port": port, "gateways": 50, "total_rate": 500.0, "data_dir": data_dir,
        "tick_s": 0.25, "health_interval_s": 1.0, "shutdown_grace_s": 10.0,
        "mix_length": 2000, "keepalive_s": 5,
    }
    return FleetSettings(**{**values, **changes})


def test_fifty_gateways_deliver_every_seq_in_order_and_say_offline(
    mosquitto: MosquittoServer, probe: GatewayProbe, tmp_path: Path
) -> None:
    fleet, stats = run_fleet(settings_for(mosquitto.port, tmp_path / "outboxes"), 3.0)

    assert stats.gateways == 50
    # 500/s for ~3 s; a loaded machine slows the loop (924 in 2.1 s seen under load 4).
    assert 300 <= stats.emitted <= 2000
    assert stats.outbox_depth == 0  # everything acknowledged before the clean stop
    assert probe.wait_for(lambda: probe.distinct() >= stats.emitted, 10)
    assert_complete(probe, fleet)
    assert all(max(c.values()) == 1 for c in probe.per_gateway.values()), "duplicates"
    # The demo park's traffic mix, not one kind over and over.
    assert {"access", "place_scan", "camera", "sensor"} <= set(probe.kinds)
    # Each gateway said online, and on the clean stop offline (retained, not the will).
    assert probe.wait_for(lambda: len(probe.status_of) == 50, 5)
    assert set(probe.status_of.values()) == {"offline"}


def test_each_gateway_continues_its_seq_after_a_restart(
    mosquitto: MosquittoServer, probe: GatewayProbe, tmp_path: Path
) -> None:
    # One event per message here (the agent's own default), batches in the other tests.
    settings = settings_for(mosquitto.port, tmp_path / "outboxes", gateways=10, total_rate=200.0,
                            batch_threshold=50)
    first, before = run_fleet(settings, 1.5)
    second, after = run_fleet(settings, 1.5)

    total = before.emitted + after.emitted
    assert probe.wait_for(lambda: probe.distinct() >= total, 10)
    for one, two in zip(first.gateways, second.gateways, strict=True):
        name = one.identity.gateway
        got = set(probe.per_gateway[name])
        assert got == set(range(1, one.emitted + two.emitted + 1)), name


def test_no_gap_when_the_broker_restarts_mid_run(
    mosquitto: MosquittoServer, probe: GatewayProbe, tmp_path: Path
) -> None:
    def restart_broker(fleet: Fleet) -> None:
        threading.Event().wait(1.5)
        mosquitto.stop()  # SIGTERM: sessions saved; the gateways lose their connections
        threading.Event().wait(1.0)
        mosquitto.start()

    settings = settings_for(mosquitto.port, tmp_path / "outboxes", gateways=20, total_rate=400.0,
                            keepalive_s=5)
    fleet, stats = run_fleet(settings, 3.0, during=restart_broker)

    assert probe.wait_for(lambda: probe.distinct() >= stats.emitted, 20)
    assert_complete(probe, fleet)
    assert all(g.link.connects >= 2 for g in fleet.gateways), "every gateway reconnected"
    assert stats.outbox_depth == 0


def test_the_command_runs_and_reports_the_backlog(mosquitto: MosquittoServer,
                                                  tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sitewatch.cli", "simulate", "--gateways", "20", "--rate", "200",
         "--duration", "3", "--report-every", "1", "--tick", "0.5",
         "--broker", f"127.0.0.1:{mosquitto.port}", "--data-dir", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "20 simulated gateways, 200 events/s together (10 each)" in done.stdout
    assert "outbox backlog" in done.stdout
    assert "left in the outboxes" in done.stdout
