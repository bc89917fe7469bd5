"""A plain paho subscriber for tests: the receiving side of what the agent publishes."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties


class MqttProbe:
    """Subscribes with a persistent session (clean_start False, QoS 1) and records arrivals.

    Events are counted per seq (duplicates allowed) and their ids kept; status messages
    are kept in arrival order.
    """

    def __init__(self, port: int, filters: list[str], client_id: str = "test-probe") -> None:
        self.filters = filters
        self.seq_counts: Counter[int] = Counter()
        self.ids_by_seq: dict[int, set[str]] = {}
        self.statuses: list[dict[str, Any]] = []
        self.messages = 0
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self._client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        self._client.reconnect_delay_set(1, 1)
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 3600
        self._client.connect_async(
            "127.0.0.1", port, keepalive=30, clean_start=False, properties=properties
        )
        self._client.loop_start()
        if not self._subscribed.wait(15):
            raise TimeoutError("probe did not subscribe")

    @property
    def seqs(self) -> set[int]:
        """Every distinct seq received so far."""
        with self._lock:
            return set(self.seq_counts)

    @property
    def event_count(self) -> int:
        """Event arrivals, duplicates included."""
        with self._lock:
            return sum(self.seq_counts.values())

    def last_status(self) -> dict[str, Any] | None:
        """The most recent status message, if any."""
        with self._lock:
            return self.statuses[-1] if self.statuses else None

    def wait_for(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Poll `condition` until true or the timeout passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.02)
        return condition()

    def wait_for_seqs(self, count: int, timeout: float) -> bool:
        """Wait until at least `count` distinct seqs have arrived."""
        return self.wait_for(lambda: len(self.seqs) >= count, timeout)

    def stop(self) -> None:
        """Disconnect and stop the network thread."""
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any,
                    properties: Any) -> None:
        client.subscribe([(f, 1) for f in self.filters])

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any,
                      properties: Any) -> None:
        self._subscribed.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        document = orjson.loads(message.payload)
        with self._lock:
            self.messages += 1
            if message.topic.endswith("/status"):
                self.statuses.append(document)
                return
            if not message.topic.endswith("/events"):
                return
            for event in document if isinstance(document, list) else [document]:
                self.seq_counts[event["seq"]] += 1
                self.ids_by_seq.setdefault(event["seq"], set()).add(event["id"])
