"""A fake broker link: subclasses the Link port, records publishes, acks on request."""

from __future__ import annotations

import threading
import time

from edge_agent.ports import Link, Outgoing


class FakeLink(Link):
    """Records every publish; the test decides when the broker acknowledges."""

    def __init__(self, *, connected: bool = True, auto_ack: bool = False) -> None:
        self.published: dict[int, Outgoing] = {}
        self.unacked: list[int] = []
        self.auto_ack = auto_ack
        self.started = False
        self.stopped = False
        self._connected = connected
        self._acked: list[int] = []
        self._next = 1
        self._lock = threading.Lock()

    def start(self) -> None:
        """Nothing to connect."""
        self.started = True

    @property
    def connected(self) -> bool:
        """Whether the fake is 'up'."""
        return self._connected

    def set_connected(self, value: bool) -> None:
        """Bring the fake connection up or down."""
        self._connected = value

    def publish(self, message: Outgoing) -> int:
        """Record the message and return a fresh token."""
        if not self._connected:
            raise ConnectionError("fake link is down")
        with self._lock:
            token = self._next
            self._next += 1
            self.published[token] = message
            if self.auto_ack:
                self._acked.append(token)
            else:
                self.unacked.append(token)
        return token

    def ack(self, count: int | None = None) -> list[int]:
        """Acknowledge the oldest `count` unacknowledged messages (all by default)."""
        with self._lock:
            count = len(self.unacked) if count is None else count
            tokens, self.unacked = self.unacked[:count], self.unacked[count:]
            self._acked.extend(tokens)
        return tokens

    def take_acked(self, timeout: float = 0.0) -> list[int]:
        """Tokens acknowledged since the last call."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if self._acked or time.monotonic() >= deadline:
                    taken, self._acked = self._acked, []
                    return taken
            time.sleep(0.005)

    def wait_connected(self, stop: threading.Event, timeout: float | None = None) -> bool:
        """Whether connected, after waiting out the timeout (or stop) when not."""
        if not self._connected:
            stop.wait(timeout)
        return self._connected

    def stop(self) -> None:
        """Mark stopped."""
        self.stopped = True
        self._connected = False
