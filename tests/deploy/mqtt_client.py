"""A signed-in MQTT 5 test client that records PUBACK reason codes and what it receives."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

NOT_AUTHORIZED = 0x87
NO_MATCHING_SUBSCRIBERS = 0x10


class SignedInClient:
    """Connects as `username`; `publish` waits for the PUBACK and returns its reason code."""

    def __init__(
        self,
        port: int,
        username: str,
        password: str,
        client_id: str,
        *,
        ca_file: Path | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.received: list[tuple[str, bytes]] = []
        self.connack: int | None = None
        self._acks: dict[int, int] = {}
        self._cond = threading.Condition()
        self._client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        self._client.username_pw_set(username, password)
        if ca_file is not None:
            self._client.tls_set(ca_certs=str(ca_file))
        self._client.on_connect = self._on_connect
        self._client.on_publish = self._on_publish
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe
        self._client.connect(host, port, keepalive=30)
        self._client.loop_start()
        with self._cond:
            self._cond.wait_for(lambda: self.connack is not None, timeout=10)

    def subscribe(self, topic_filter: str) -> list[int]:
        """Subscribe at QoS 1; the SUBACK's reason codes."""
        with self._cond:
            result, mid = self._client.subscribe(topic_filter, qos=1)
            assert result == mqtt.MQTT_ERR_SUCCESS, (result, self.connack)
            assert mid is not None
            self._cond.wait_for(lambda: mid in self._acks, timeout=10)
            return [self._acks[mid]]

    def publish(self, topic: str, payload: bytes) -> int:
        """Publish at QoS 1 and return the PUBACK's reason code (0 = success)."""
        with self._cond:
            info = self._client.publish(topic, payload, qos=1)
            self._cond.wait_for(lambda: info.mid in self._acks, timeout=10)
            return self._acks[info.mid]

    def wait_received(self, count: int, timeout: float = 10) -> bool:
        """Block until `count` messages arrived."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self.received) >= count, timeout=timeout)

    def stop(self) -> None:
        """Disconnect and stop paho's thread."""
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        with self._cond:
            self.connack = int(reason.value)
            self._cond.notify_all()

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason: Any, props: Any) -> None:
        with self._cond:
            self._acks[mid] = int(reason.value)
            self._cond.notify_all()

    def _on_subscribe(self, client: Any, userdata: Any, mid: int, reasons: Any, p: Any) -> None:
        with self._cond:
            self._acks[mid] = int(reasons[0].value)
            self._cond.notify_all()

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._cond:
            self.received.append((message.topic, bytes(message.payload)))
            self._cond.notify_all()
