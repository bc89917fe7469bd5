"""The broker link on paho-mqtt 2.x: the only module of the agent that imports paho."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from edge_agent.ports import Link, LinkOptions, Outgoing

log = logging.getLogger(__name__)


class PahoLink(Link):
    """MQTT link with a persistent session, a last will, and acks handed over by queue.

    paho keeps unacknowledged QoS 1 messages across reconnects and re-sends them itself
    (same mid, DUP set), so the session must survive: on MQTT 5 clean_start is False and
    the session has an expiry; on 3.1.1 clean_session is False.
    """

    def __init__(
        self,
        options: LinkOptions,
        *,
        max_inflight: int = 1000,
        session_expiry_s: int = 86400,
        on_connect_messages: Sequence[Outgoing] = (),
        mqtt_version: str = "5",
    ) -> None:
        self._options = options
        self._session_expiry_s = session_expiry_s
        self._max_inflight = max_inflight
        self._on_connect_messages = tuple(on_connect_messages)
        self._acked: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._up = threading.Event()
        self.refused = 0  # PUBACKs with a failure reason code; their rows stay in the outbox
        self._v5 = mqtt_version == "5"
        self._client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=options.client_id,
            protocol=MQTTProtocolVersion.MQTTv5 if self._v5 else MQTTProtocolVersion.MQTTv311,
            # MQTT 3.1.1 has no clean_start: its persistent session is clean_session=False.
            clean_session=None if self._v5 else False,
        )
        paho_log = logging.getLogger("edge_agent.paho")
        paho_log.addFilter(_quiet_reconnect_noise)
        self._client.enable_logger(paho_log)
        # A bug in a callback must be logged, not end paho's network thread for good.
        self._client.suppress_exceptions = True
        self._client.max_inflight_messages_set(max_inflight)
        self._client.max_queued_messages_set(0)  # the pump bounds what it hands over
        # paho annotates the delays as int but computes with them as float seconds.
        self._client.reconnect_delay_set(
            options.reconnect_min_s,  # type: ignore[arg-type]
            options.reconnect_max_s,  # type: ignore[arg-type]
        )
        if options.username is not None:
            self._client.username_pw_set(options.username, options.password)
        if options.extra.get("tls") or options.tls_ca_file or options.tls_cert_file:
            self._client.tls_set(
                ca_certs=options.tls_ca_file,
                certfile=options.tls_cert_file,
                keyfile=options.tls_key_file,
            )
            self._client.tls_insecure_set(options.tls_insecure)
        if options.will is not None:
            will = options.will
            self._client.will_set(will.topic, will.payload, will.qos, will.retain)
        self._client.on_connect = self._on_connect
        self._client.on_connect_fail = self._on_connect_fail
        self._client.on_disconnect = self._on_disconnect
        self._client.on_publish = self._on_publish

    def start(self) -> None:
        """Connect in paho's network thread; it reconnects with backoff after any loss."""
        if self._v5:
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = self._session_expiry_s
            self._client.connect_async(
                self._options.host,
                self._options.port,
                keepalive=self._options.keepalive_s,
                clean_start=False,
                properties=properties,
            )
        else:
            self._client.connect_async(
                self._options.host, self._options.port, keepalive=self._options.keepalive_s
            )
        self._client.loop_start()

    @property
    def connected(self) -> bool:
        """Whether the broker connection is up now."""
        return self._up.is_set() and self._client.is_connected()

    def publish(self, message: Outgoing) -> int:
        """Hand a message to paho; return its mid. Raises ConnectionError when down."""
        if not self.connected:
            raise ConnectionError("not connected to the broker")
        info = self._client.publish(message.topic, message.payload, message.qos, message.retain)
        if info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS:
            return int(info.mid)
        if info.rc == MQTTErrorCode.MQTT_ERR_NO_CONN and message.qos > 0:
            # Lost the connection just now: paho has queued it and sends it on reconnect.
            return int(info.mid)
        raise ConnectionError(f"publish refused by the client: {mqtt.error_string(info.rc)}")

    def take_acked(self, timeout: float = 0.0) -> list[int]:
        """Mids acknowledged since the last call; waits up to `timeout` for the first."""
        acked: list[int] = []
        try:
            first = self._acked.get(timeout=timeout) if timeout > 0 else self._acked.get_nowait()
            acked.append(first)
            while True:
                acked.append(self._acked.get_nowait())
        except queue.Empty:
            pass
        return acked

    def wait_connected(self, stop: threading.Event, timeout: float | None = None) -> bool:
        """Block until connected, `stop` is set, or the timeout passes."""
        waited = 0.0
        while not stop.is_set():
            if self._up.wait(0.1) and self._client.is_connected():
                return True
            waited += 0.1
            if timeout is not None and waited >= timeout:
                return False
        return False

    def stop(self) -> None:
        """Disconnect cleanly and end paho's thread (no last will on a clean disconnect)."""
        self._client.disconnect()
        self._client.loop_stop()
        self._up.clear()

    # paho's callbacks run in its network thread; they only hand things over.

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            log.error("broker refused the connection: %s", reason)
            return
        log.info(
            "connected to %s:%s (session present: %s)",
            self._options.host,
            self._options.port,
            flags.session_present,
        )
        receive_maximum = getattr(properties, "ReceiveMaximum", None)
        if receive_maximum and receive_maximum < self._max_inflight:
            # paho neither honours it nor lets us lower max_inflight while connected.
            log.warning(
                "broker's Receive Maximum %s is below delivery.max_inflight %s; lower the "
                "setting if this broker enforces it",
                receive_maximum,
                self._max_inflight,
            )
        for message in self._on_connect_messages:
            client.publish(message.topic, message.payload, message.qos, message.retain)
        self._up.set()

    def _on_connect_fail(self, client: mqtt.Client, userdata: Any) -> None:
        log.warning("cannot reach the broker at %s:%s", self._options.host, self._options.port)

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self._up.clear()
        if reason.is_failure:
            log.warning("lost the broker connection: %s", reason)

    def _on_publish(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reason: ReasonCode,
        properties: Properties,
    ) -> None:
        # paho holds its _out_message_mutex here and publish() takes it too: no locks,
        # only a hand-over to whoever calls take_acked().
        if reason.is_failure:
            self.refused += 1
            log.error("broker refused message %s: %s", mid, reason)
            return
        self._acked.put(mid)


def _quiet_reconnect_noise(record: logging.LogRecord) -> bool:
    """Drop paho 2.2's ERROR for every loop turn without a socket: reconnects are expected."""
    return not record.getMessage().startswith("Client is not connected.")
