"""PahoLink against a real Mosquitto: acks by token, status on connect, refusal when down."""

from __future__ import annotations

import threading

import pytest

from edge_agent.mqtt import PahoLink
from edge_agent.ports import LinkOptions, Outgoing
from tests.support.mqtt_probe import MqttProbe
from tests.support.servers import MosquittoServer, free_port

pytestmark = pytest.mark.integration

STATUS = Outgoing("sitewatch/v1/s/g/status", b'{"state": "online"}', qos=1, retain=True)


def test_publish_refuses_while_not_connected() -> None:
    link = PahoLink(LinkOptions(host="127.0.0.1", port=free_port(), client_id="t-down"))
    link.start()
    try:
        assert not link.wait_connected(threading.Event(), timeout=0.3)
        with pytest.raises(ConnectionError):
            link.publish(Outgoing("sitewatch/v1/s/g/events", b"{}"))
    finally:
        link.stop()


@pytest.mark.parametrize("version", ["5", "3.1.1"])
def test_acks_come_back_as_tokens_and_status_is_published_on_connect(
    mosquitto: MosquittoServer, version: str
) -> None:
    probe = MqttProbe(mosquitto.port, ["sitewatch/v1/s/g/status"], client_id="t-probe")
    link = PahoLink(
        LinkOptions(host="127.0.0.1", port=mosquitto.port, client_id="t-link"),
        on_connect_messages=[STATUS],
        mqtt_version=version,
    )
    link.start()
    try:
        assert link.wait_connected(threading.Event(), timeout=10)
        tokens = {link.publish(Outgoing("sitewatch/v1/s/g/events", b"{}")) for _ in range(50)}
        acked: set[int] = set()

        def all_acked() -> bool:
            acked.update(link.take_acked(0.05))
            return tokens <= acked

        assert probe.wait_for(all_acked, 10)
        assert probe.wait_for(lambda: probe.last_status() == {"state": "online"}, 10)
    finally:
        link.stop()
        probe.stop()
    assert not link.connected
