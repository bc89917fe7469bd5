"""A server-sent-events reader over httpx for tests and benchmarks of the live stream."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson


@dataclass(frozen=True, slots=True)
class SseMessage:
    """One message of the stream, with when it was read (time.perf_counter)."""

    event: str
    id: str | None
    data: str
    received: float

    def json(self) -> Any:
        """The data, parsed."""
        return orjson.loads(self.data)


def parse_sse(lines: Iterable[str]) -> Iterator[SseMessage | str]:
    """Messages, and comments (as plain strings), from the lines of an event stream."""
    event, event_id, data = "message", None, list[str]()
    for line in lines:
        if not line:
            if data:
                yield SseMessage(event, event_id, "\n".join(data), time.perf_counter())
            event, event_id, data = "message", None, []
        elif line.startswith(":"):
            yield line[1:].strip()
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "event":
                event = value
            elif name == "id":
                event_id = value
            elif name == "data":
                data.append(value)


class SseReader:
    """Reads one live stream on a thread of its own and keeps what arrives."""

    def __init__(
        self, base_url: str, headers: Mapping[str, str], params: Any = None,
        on_message: Callable[[SseMessage], None] | None = None,
    ) -> None:
        self.messages: list[SseMessage] = []
        self.comments: list[str] = []
        self.status: int | None = None
        self.body = b""
        self.subscribed = threading.Event()
        self.ended = threading.Event()
        self._client = httpx.Client(base_url=base_url, headers=dict(headers),
                                    timeout=httpx.Timeout(10, read=60))
        self._params = params
        self._on_message = on_message
        self._socket: socket.socket | None = None
        self._thread = threading.Thread(target=self._read, name="sse-reader", daemon=True)

    def start(self, timeout: float = 10.0) -> SseReader:
        """Open the stream; return once the server says it is subscribed (or refused it)."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.subscribed.is_set() or self.ended.is_set():
                return self
            time.sleep(0.01)
        raise TimeoutError("the live stream did not open")

    def of(self, event: str) -> list[SseMessage]:
        """The messages of one event type received so far."""
        return [m for m in list(self.messages) if m.event == event]

    def close(self) -> None:
        """Hang up, as a client that goes away does, and wait for the reading thread."""
        # Shutting the socket down is what wakes a read blocked on another thread;
        # closing the client from here would wait for that read instead.
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)
        self._client.close()

    def _read(self) -> None:
        try:
            with self._client.stream("GET", "/api/v1/live", params=self._params) as response:
                self.status = response.status_code
                stream = response.extensions["network_stream"]
                self._socket = stream.get_extra_info("socket")
                if response.status_code != 200:
                    self.body = response.read()
                    return
                for item in parse_sse(response.iter_lines()):
                    if isinstance(item, str):
                        self.comments.append(item)
                        if item == "subscribed":
                            self.subscribed.set()
                        continue
                    self.messages.append(item)
                    if self._on_message is not None:
                        self._on_message(item)
        except (httpx.HTTPError, RuntimeError):
            pass  # closed under it, or the hub went away: the test looks at what it got
        finally:
            self.ended.set()
