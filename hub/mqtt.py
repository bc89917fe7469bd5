"""The hub's subscription on paho-mqtt 2.x: persistent MQTT v5 session, manual acknowledgements.

paho is imported here and nowhere else in the hub. paho's network thread only converts
each message to a `ReceivedMessage` and hands it over; the ingest worker does the work
and calls `ack` once the ledger has committed. The alarm publisher, on a connection of
its own, is the alarm service's MQTT notifier.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable
from typing import Any, cast

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from hub.alarms.lifecycle import Alarm, Change
from hub.alarms.notify import AlarmNotifier, notification_payload
from hub.ports import MessageSource, ReceivedMessage
from hub.settings import BrokerSettings

log = logging.getLogger(__name__)


class _PahoLog(logging.LoggerAdapter[logging.Logger]):
    """paho's own log, into `hub.mqtt`; once its client is being stopped, paho's
    "Client is not connected" error (its network loop passing once more over the socket
    that `disconnect` just closed, a race in paho) is only a debug line. An adapter, not a
    Logger of its own: `hub.mqtt`'s level and handlers apply as they change."""

    def __init__(self) -> None:
        super().__init__(log, {})
        self.stopping = False

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        """As Logger.log, with that one error made debug while stopping."""
        if (self.stopping and level >= logging.ERROR and isinstance(msg, str)
                and msg.startswith("Client is not connected")):
            level = logging.DEBUG
        self.logger.log(level, msg, *args, **kwargs)


def _client(
    settings: BrokerSettings, client_id: str, paho_log: _PahoLog, *, persistent: bool,
    manual_ack: bool = False,
) -> paho.Client:
    """A paho client for the hub's broker: protocol version, credentials, TLS, backoff."""
    v5 = settings.mqtt_version == "5"
    client = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=paho.MQTTv5 if v5 else paho.MQTTv311,
        # MQTT 3.1.1 has no clean_start; a persistent session is clean_session=False.
        clean_session=None if v5 else not persistent,
        manual_ack=manual_ack,
    )
    # paho only calls `.log(level, msg, *args)` on it; the adapter has that too.
    client.enable_logger(cast(logging.Logger, paho_log))
    client.reconnect_delay_set(min_delay=1, max_delay=15)
    if settings.username:
        password = settings.password.get_secret_value() if settings.password else None
        client.username_pw_set(settings.username, password)
    if settings.tls_ca_file:
        client.tls_set(
            ca_certs=str(settings.tls_ca_file),
            certfile=str(settings.tls_cert_file) if settings.tls_cert_file else None,
            keyfile=str(settings.tls_key_file) if settings.tls_key_file else None,
            tls_version=ssl.PROTOCOL_TLS_CLIENT,
        )
    return client


class PahoSubscriber(MessageSource):
    """Subscribes to the protocol's topics and acknowledges only what the hub committed."""

    def __init__(
        self,
        settings: BrokerSettings,
        filters: list[str],
        on_connection: Callable[[bool], None] | None = None,
    ) -> None:
        self._settings = settings
        self._filters = filters
        self._on_connection = on_connection  # told on paho's thread: up (True) or down
        self._connected = threading.Event()
        self._deliver: Callable[[ReceivedMessage], None] | None = None
        # Packet ids are reused per connection: a token remembers its connection so a
        # late ack for a message from a previous connection is not sent on the new one.
        self._generation = 0
        self._v5 = settings.mqtt_version == "5"
        self._paho_log = _PahoLog()  # its `stopping` is this subscriber's too
        self._client = _client(settings, settings.client_id, self._paho_log, persistent=True,
                               manual_ack=True)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message

    def start(self, deliver: Callable[[ReceivedMessage], None]) -> None:
        """Connect in the background (retrying until the broker is there) and subscribe."""
        self._deliver = deliver
        self._paho_log.stopping = False
        if self._v5:
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = self._settings.session_expiry_s
            properties.ReceiveMaximum = self._settings.receive_maximum
            # clean_start=False: a restarted hub resumes its session and gets what it
            # missed, including messages it received but never acknowledged.
            self._client.connect_async(
                self._settings.host, self._settings.port, keepalive=self._settings.keepalive_s,
                clean_start=False, properties=properties,
            )
        else:
            self._client.connect_async(
                self._settings.host, self._settings.port, keepalive=self._settings.keepalive_s
            )
        self._client.loop_start()

    def ack(self, message: ReceivedMessage) -> None:
        """Send the PUBACK for a committed message (QoS 0 needs none)."""
        self.ack_token(message.token, message.qos)

    def ack_token(self, token: int, qos: int) -> None:
        """Send the PUBACK for the message `token` names, unless it came on an older connection."""
        if qos > 0 and token >> 16 == self._generation:
            self._client.ack(token & 0xFFFF, qos)

    @property
    def connected(self) -> bool:
        """Whether the broker connection is up."""
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        """Block until connected or the timeout passes."""
        return self._connected.wait(timeout)

    def stop(self) -> None:
        """Disconnect cleanly and stop paho's thread."""
        self._paho_log.stopping = True
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()

    def _on_connect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            log.error("broker refused the hub: %s", reason)
            return
        self._generation += 1
        log.info("connected to broker (session present: %s)", flags.session_present)
        # Subscriptions are re-made on every connect, as the session may have expired.
        # Connected (ready) only once the broker has granted them: `on_subscribe`.
        client.subscribe([(f, 1) for f in self._filters])

    def _on_subscribe(
        self,
        client: paho.Client,
        userdata: Any,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        refused = [f"{f}: {code}" for f, code in zip(self._filters, reason_codes, strict=False)
                   if code.is_failure]
        if refused:
            # Not ready: a hub that cannot hear part of its topics must not say it can.
            log.error("broker refused the hub's subscriptions: %s", "; ".join(refused))
            return
        self._connected.set()
        if self._on_connection is not None:
            self._on_connection(True)

    def _on_disconnect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self._connected.clear()
        if self._paho_log.stopping:  # asked for: nothing for an operator to look into
            log.info("disconnected from broker: %s", reason)
        else:
            log.warning("disconnected from broker: %s", reason)
        if self._on_connection is not None:
            self._on_connection(False)

    def _on_message(self, client: paho.Client, userdata: Any, msg: paho.MQTTMessage) -> None:
        if self._deliver is not None:
            self._deliver(
                ReceivedMessage(
                    msg.topic, bytes(msg.payload), msg.qos, bool(msg.retain),
                    (self._generation << 16) | msg.mid,
                )
            )


class PahoAlarmPublisher(AlarmNotifier):
    """Publishes alarm changes as JSON to `{prefix}/alarms/{site}` at QoS 1, on its own link.

    A connection of its own (client id `<hub id>-alarms`, clean session): the ingest
    subscription acknowledges by hand and must not carry other traffic. paho queues what
    is published while the broker is away (bounded) and sends it on reconnect.
    """

    def __init__(self, settings: BrokerSettings, prefix: str, max_queued: int = 1000) -> None:
        self._settings = settings
        self._prefix = prefix
        self._connected = threading.Event()
        self._paho_log = _PahoLog()
        self._client = _client(settings, f"{settings.client_id}-alarms", self._paho_log,
                               persistent=False)
        self._client.max_queued_messages_set(max_queued)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect

    def topic(self, site: str) -> str:
        """The topic an alarm of `site` is published on."""
        return f"{self._prefix}/alarms/{site}"

    def start(self) -> None:
        """Connect in the background, retrying until the broker is there."""
        self._client.connect_async(
            self._settings.host, self._settings.port, keepalive=self._settings.keepalive_s
        )
        self._client.loop_start()

    def notify(self, alarm: Alarm, change: Change) -> None:
        """Queue the change for publishing; returns at once, connected or not."""
        info = self._client.publish(
            self.topic(alarm.site), notification_payload(alarm, change), qos=1
        )
        if info.rc not in (paho.MQTT_ERR_SUCCESS, paho.MQTT_ERR_NO_CONN):
            # NO_CONN is fine: paho keeps the message and sends it once reconnected.
            log.warning("alarm %s %s not published: %s", alarm.id, change.value,
                        paho.error_string(info.rc))

    def wait_connected(self, timeout: float) -> bool:
        """Block until connected or the timeout passes."""
        return self._connected.wait(timeout)

    def close(self) -> None:
        """Disconnect and stop paho's thread."""
        self._paho_log.stopping = True
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()

    def _on_connect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            log.error("broker refused the alarm publisher: %s", reason)
            return
        self._connected.set()

    def _on_disconnect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self._connected.clear()
