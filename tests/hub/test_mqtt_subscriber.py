"""The hub's subscription says it is connected (and the hub ready) only once it can hear its
topics: after the broker granted every subscription, not at CONNACK."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from hub.mqtt import PahoSubscriber
from hub.settings import BrokerSettings
from sitewatch.bench.mqtt_baseline import publish_all
from sitewatch.protocol import Topics
from tests.support.servers import MosquittoServer


def _granted(*codes: int) -> list[ReasonCode]:
    return [ReasonCode(PacketTypes.SUBACK, identifier=code) for code in codes]


def _subscriber(port: int = 1, client_id: str = "readiness") -> PahoSubscriber:
    return PahoSubscriber(BrokerSettings(port=port, client_id=client_id),
                          Topics().subscriptions())


def test_a_refused_subscription_leaves_the_hub_not_ready(
    caplog: pytest.LogCaptureFixture,
) -> None:
    subscriber = _subscriber()
    filters = Topics().subscriptions()
    told: list[bool] = []
    subscriber._on_connection = told.append
    codes = [1] * len(filters)
    codes[-1] = 0x87  # not authorised
    with caplog.at_level(logging.ERROR, logger="hub.mqtt"):
        subscriber._on_subscribe(subscriber._client, None, 1, _granted(*codes), None)
    assert not subscriber.connected and told == []
    assert "refused the hub's subscriptions" in caplog.text and filters[-1] in caplog.text
    subscriber._on_subscribe(subscriber._client, None, 2, _granted(*[1] * len(filters)), None)
    assert subscriber.connected and told == [True]  # control: all granted


def test_connected_means_subscribed_so_nothing_published_after_it_is_missed(
    mosquitto: MosquittoServer, tmp_path: Path
) -> None:
    # A new session: until the SUBACK the broker has no subscription to queue for.
    received: list[bytes] = []
    subscriber = _subscriber(mosquitto.port, "readiness-live")
    subscriber.start(lambda message: received.append(message.payload))
    try:
        assert subscriber.wait_connected(15)
        publish_all(mosquitto.port, [("sitewatch/v1/site-a/gw-1/status", b"{}")])
        deadline = time.monotonic() + 10
        while not received and time.monotonic() < deadline:
            time.sleep(0.02)
        assert received == [b"{}"]
    finally:
        subscriber.stop()


def test_paho_s_not_connected_race_is_an_error_only_while_running(
    caplog: pytest.LogCaptureFixture,
) -> None:
    subscriber = _subscriber()
    race = "Client is not connected. Socket: None). Last known Connection State: X"
    with caplog.at_level(logging.DEBUG, logger="hub.mqtt"):
        subscriber._paho_log.log(logging.ERROR, race)  # running: worth an operator's look
        subscriber.stop()  # never connected: disconnect is a no-op, the flag is what counts
        subscriber._paho_log.log(logging.ERROR, race)  # the stop's race: debug
        subscriber._paho_log.log(logging.ERROR, "something else")  # other errors stay errors
    levels = [(r.levelname, r.getMessage()[:22]) for r in caplog.records if r.name == "hub.mqtt"]
    assert levels == [("ERROR", race[:22]), ("DEBUG", race[:22]), ("ERROR", "something else")]
