"""Ports of the edge agent: sources feed an event sink; a link carries messages to the broker."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any, Literal

from sitewatch.protocol import CameraHealth, MediaRef


class Priority(IntEnum):
    """How precious a record is when the outbox's disk budget runs out.

    LOW records (motion without persons, media of low-severity events) are shed first and
    counted; NORMAL media next; HIGH records are never shed: new input is refused instead.
    """

    HIGH = 0
    NORMAL = 1
    LOW = 2


@dataclass(frozen=True, slots=True)
class Draft:
    """An event as a source sees it; the agent adds `v`, `id`, `seq`, `site` and `gateway`.

    `fields` are the kind-specific fields of protocol v1 (e.g. `subject`, `result`), with
    personal identifiers already pseudonymised by the source.
    """

    kind: str
    device: str
    ts: datetime
    fields: Mapping[str, Any]
    media: tuple[MediaRef, ...] = ()
    priority: Priority = Priority.HIGH
    # The event's id when the source can name it stably (the access-log tail, by the line's
    # place in its file), so input read twice after a crash stays one event in the ledger;
    # None: the agent gives it a fresh ULID.
    id: str | None = None


class OutboxFull(RuntimeError):
    """The outbox's disk budget is spent: the input is refused, loudly, not dropped."""


class EventSink(ABC):
    """Where sources put what they observe: the durable outbox behind it."""

    @abstractmethod
    def emit(self, drafts: Sequence[Draft]) -> None:
        """Validate and append events to the outbox (one transaction); raise on invalid input."""

    @abstractmethod
    def emit_media(
        self,
        data: bytes,
        content_type: str,
        role: Literal["snapshot", "clip"],
        priority: Priority = Priority.NORMAL,
    ) -> MediaRef:
        """Append a media object to the outbox and return the reference events carry.

        Emit media before the event that references it, so the hub has it by then.
        """


class Source(ABC):
    """Something on the gateway that produces events: a simulator, a scanner, a camera."""

    name: str

    @abstractmethod
    def run(self, sink: EventSink, stop: threading.Event) -> None:
        """Produce events into `sink` until `stop` is set; return promptly after."""

    def counters(self) -> dict[str, int]:
        """Per-source counters for the health report."""
        return {}

    def cameras(self) -> dict[str, CameraHealth]:
        """Per-camera pipeline figures (fps, latency, dropped frames) for the health report."""
        return {}


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One MQTT message the agent wants delivered."""

    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = False


@dataclass(slots=True)
class LinkOptions:
    """How the link connects: broker address, credentials, TLS, last will."""

    host: str
    port: int
    client_id: str
    username: str | None = None
    password: str | None = None
    tls_ca_file: str | None = None
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    tls_insecure: bool = False
    keepalive_s: int = 30
    will: Outgoing | None = None
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 30.0
    extra: dict[str, Any] = field(default_factory=dict)


class Link(ABC):
    """The agent's connection to the broker (paho behind it)."""

    @abstractmethod
    def start(self) -> None:
        """Begin connecting in the background; reconnects with backoff forever after."""

    @property
    @abstractmethod
    def connected(self) -> bool:
        """Whether the broker connection is up now."""

    @abstractmethod
    def publish(self, message: Outgoing) -> int:
        """Hand a message to the client; return its token. Raises ConnectionError when down."""

    @abstractmethod
    def take_acked(self, timeout: float = 0.0) -> list[int]:
        """Tokens the broker has acknowledged (PUBACK) since the last call."""

    @abstractmethod
    def wait_connected(self, stop: threading.Event, timeout: float | None = None) -> bool:
        """Block until connected, `stop` is set, or the timeout passes."""

    @abstractmethod
    def stop(self) -> None:
        """Disconnect cleanly (the last will is not sent on a clean disconnect)."""
