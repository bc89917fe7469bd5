"""The agent's paho link, driven by a shared asyncio loop instead of a thread of its own.

A second module that touches paho, on purpose: `PahoLink` runs one network thread per
client, which is right for a gateway and wrong for 500 simulated ones in one process
(2,500 threads and a load average in the hundreds, measured). This subclass keeps
everything that makes the agent's link what it is (persistent session, last will, the
online status on connect, acks handed over by queue) and replaces only how it is
driven: paho's external-loop callbacks register its socket with the loop, and the
fleet calls `misc` once a second for keepalives and reconnects.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from edge_agent.mqtt import PahoLink
from edge_agent.ports import LinkOptions

log = logging.getLogger(__name__)


class LoopLink(PahoLink):
    """A `PahoLink` whose socket is served by an asyncio loop the caller runs."""

    def __init__(
        self,
        options: LinkOptions,
        loop: asyncio.AbstractEventLoop,
        *,
        on_acked: Callable[[], None] = lambda: None,
        **link_options: Any,
    ) -> None:
        super().__init__(options, **link_options)
        self._loop = loop
        self._on_acked = on_acked
        self._fd: int | None = None
        self._retry_at = 0.0
        self._delay = options.reconnect_min_s
        self._stopped = False
        self.connects = 0  # CONNACKs received, the first included
        client = self._client
        # paho formats a debug record for every packet it reads or writes: 14 µs a message,
        # a tenth of a simulated gateway's cost per event. Failures still surface through
        # return codes, the disconnect callback and the refused-ack counter.
        client.disable_logger()
        client.on_socket_open = self._socket_open
        client.on_socket_close = self._socket_close
        client.on_socket_register_write = self._register_write
        client.on_socket_unregister_write = self._unregister_write

    def start(self) -> None:
        """Connect now (a blocking TCP connect); on failure, `misc` retries with backoff."""
        if self._v5:
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = self._session_expiry_s
            self._client.connect_async(
                self._options.host, self._options.port, keepalive=self._options.keepalive_s,
                clean_start=False, properties=properties,
            )
        else:
            self._client.connect_async(
                self._options.host, self._options.port, keepalive=self._options.keepalive_s
            )
        self._connect()

    def misc(self, now: float) -> None:
        """Once a second: keepalive pings and timeouts, or a reconnect when one is due."""
        if self._fd is not None:
            self._client.loop_misc()
        elif not self._stopped and now >= self._retry_at:
            self._connect()

    @property
    def open(self) -> bool:
        """Whether a socket is open (connected or still connecting)."""
        return self._fd is not None

    def stop(self) -> None:
        """Send DISCONNECT (no last will); paho closes the socket once it is written."""
        self._stopped = True
        self._client.disconnect()

    def _connect(self) -> None:
        try:
            self._client.reconnect()
        except OSError as exc:
            self._retry_later(f"cannot reach the broker: {exc}")

    def _retry_later(self, why: str) -> None:
        log.debug("%s; retrying in %.1f s", why, self._delay)
        self._retry_at = time.monotonic() + self._delay
        self._delay = min(self._delay * 2, self._options.reconnect_max_s)

    # paho's external-loop callbacks: they run in the loop's thread, inside paho calls.

    def _socket_open(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        self._fd = sock.fileno()
        self._loop.add_reader(self._fd, client.loop_read)

    def _socket_close(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        if self._fd is not None:
            self._loop.remove_reader(self._fd)
            self._loop.remove_writer(self._fd)
            self._fd = None
        self._up.clear()
        if not self._stopped:
            self._retry_later("connection closed")

    def _register_write(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        if self._fd is not None:
            self._loop.add_writer(self._fd, client.loop_write)

    def _unregister_write(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        if self._fd is not None:
            self._loop.remove_writer(self._fd)

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        super()._on_connect(client, userdata, flags, reason, properties)
        if not reason.is_failure:
            if not flags.session_present and self.connects:
                log.warning("%s: the broker had no session for us", self._options.client_id)
            self._delay = self._options.reconnect_min_s
            self.connects += 1

    def _on_publish(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reason: ReasonCode,
        properties: Properties,
    ) -> None:
        super()._on_publish(client, userdata, mid, reason, properties)
        self._on_acked()
