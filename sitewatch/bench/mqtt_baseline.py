"""Bare paho clients the benchmarks measure sitewatch against (the bench's one paho module)."""

from __future__ import annotations

import threading
import time

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

_MAX_UNACKED = 20_000


def publish_all(port: int, messages: list[tuple[str, bytes]], max_inflight: int = 1000) -> float:
    """Publish at QoS 1 as fast as the broker acknowledges; return seconds taken."""
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="", protocol=paho.MQTTv5)
    client.max_inflight_messages_set(max_inflight)
    client.max_queued_messages_set(0)
    done = threading.Event()
    acked = 0

    def on_publish(*_: object) -> None:
        nonlocal acked
        acked += 1
        if acked == len(messages):
            done.set()

    client.on_publish = on_publish
    client.connect("127.0.0.1", port)
    client.loop_start()
    started = time.perf_counter()
    for index, (topic, payload) in enumerate(messages):
        # paho numbers messages with 16-bit ids: with more than ~65k unacknowledged it
        # stalls for good, so stay well below that.
        while index - acked >= _MAX_UNACKED:
            time.sleep(0.001)
        client.publish(topic, payload, qos=1)
    if not done.wait(600):
        raise TimeoutError(f"only {acked} of {len(messages)} publishes acknowledged")
    elapsed = time.perf_counter() - started
    client.disconnect()
    client.loop_stop()
    return elapsed


class BareSubscriber:
    """A persistent-session QoS 1 subscriber that only counts what arrives (auto-ack)."""

    def __init__(self, port: int, client_id: str, topic: str, receive_maximum: int) -> None:
        self.port = port
        self.topic = topic
        self.received = 0
        self.expected = 0
        self.first_at = self.last_at = 0.0  # perf_counter of the first and the last message
        self.done = threading.Event()
        self._subscribed = threading.Event()
        self._receive_maximum = receive_maximum
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5
        )
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = lambda *_: self._subscribed.set()
        self._client.on_message = self._on_message

    def _on_connect(self, client: paho.Client, *_: object) -> None:
        client.subscribe(self.topic, qos=1)

    def _on_message(self, *_: object) -> None:
        if self.received == 0:
            self.first_at = time.perf_counter()
        self.received += 1
        if self.received >= self.expected:
            self.last_at = time.perf_counter()
            self.done.set()

    def connect(self) -> None:
        """Connect with a persistent session and wait until subscribed."""
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 3600
        properties.ReceiveMaximum = self._receive_maximum
        self._subscribed.clear()
        self._client.connect(
            "127.0.0.1", self.port, clean_start=False, properties=properties
        )
        self._client.loop_start()
        if not self._subscribed.wait(10):
            raise TimeoutError("subscription not acknowledged")

    def disconnect(self) -> None:
        """Leave; the broker queues for the session meanwhile."""
        self._client.disconnect()
        self._client.loop_stop()

    def drain(self, expected: int, timeout: float = 600) -> float:
        """Reconnect and time the `expected` queued messages from the first one's arrival
        to the last one's (connecting and subscribing are not ingest)."""
        self.expected = expected
        self.received = 0
        self.done.clear()
        self.connect()
        if not self.done.wait(timeout):
            raise TimeoutError(f"drained {self.received} of {expected}")
        self.disconnect()
        return self.last_at - self.first_at
