"""Ports of the hub: what its core needs from the outside world."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hub.records import EventRecord, HealthRecord, StatusRecord


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    """One MQTT message as the hub's core sees it; `token` is what `ack` needs."""

    topic: str
    payload: bytes
    qos: int
    retain: bool
    token: int


class MessageSource(ABC):
    """The hub's subscription to the broker, with acknowledgements under the hub's control."""

    @abstractmethod
    def start(self, deliver: Callable[[ReceivedMessage], None]) -> None:
        """Connect and subscribe; `deliver` is called (on the client's thread) per message."""

    @abstractmethod
    def ack(self, message: ReceivedMessage) -> None:
        """Acknowledge a message once what it carried is committed."""

    def ack_all(self, messages: Iterable[ReceivedMessage]) -> None:
        """Acknowledge committed messages, in order (adapters may send them in bulk)."""
        for message in messages:
            self.ack(message)

    @property
    @abstractmethod
    def connected(self) -> bool:
        """Whether the connection to the broker is up."""

    @abstractmethod
    def stop(self) -> None:
        """Disconnect cleanly."""


@dataclass(frozen=True, slots=True)
class Committed:
    """What one ledger commit added, for what follows the ledger (time series, rules, live)."""

    events: tuple[EventRecord, ...]  # new events only: a redelivered duplicate is not here
    statuses: tuple[StatusRecord, ...]
    healths: tuple[HealthRecord, ...]
    dead_letters: int


class CommitListener(ABC):
    """Told of every commit, on the ingest writer's thread, after the messages are acked."""

    @abstractmethod
    def committed(self, committed: Committed) -> None:
        """Take note of a commit; must not block (queue the work, do it elsewhere)."""
