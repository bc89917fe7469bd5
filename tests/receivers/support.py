"""Receiver test helpers: a sink that checks drafts as the hub will, a runner, a raw client."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import orjson

from edge_agent.outbox import Stamp, envelope_bytes
from edge_agent.ports import Draft, EventSink, OutboxFull, Priority, Source
from edge_agent.receivers.intake import HttpReceiver
from sitewatch.protocol import MediaRef

SITE, GATEWAY = "park-1", "gw-1"
SITE_KEY = b"receiver-tests-site-key"


class RecordingSink(EventSink):
    """Keeps every draft emitted, after encoding it exactly as the outbox does for the hub."""

    def __init__(self) -> None:
        self.drafts: list[Draft] = []
        self.payloads: list[bytes] = []
        self.full = False  # True: refuse like an outbox whose budget is spent
        self.failure: Exception | None = None  # raised by emit, to test unexpected errors
        self.emits = 0
        self._lock = threading.Lock()

    def emit(self, drafts: Sequence[Draft]) -> None:
        """Validate as the hub will, then record; refuse when `full`."""
        if self.failure is not None:
            raise self.failure
        if self.full:
            raise OutboxFull("test outbox is full")
        with self._lock:
            stamp = Stamp(SITE, GATEWAY, time.time())
            first = len(self.payloads) + 1
            payloads = [envelope_bytes(d, first + i, stamp) for i, d in enumerate(drafts)]
            self.drafts.extend(drafts)
            self.payloads.extend(payloads)
            self.emits += 1

    def emit_media(
        self,
        data: bytes,
        content_type: str,
        role: Literal["snapshot", "clip"],
        priority: Priority = Priority.NORMAL,
    ) -> MediaRef:
        """Receivers send no media; answer with the reference anyway."""
        digest = hashlib.sha256(data).hexdigest()
        return MediaRef(sha256=digest, content_type=content_type, role=role)

    def events(self) -> list[dict[str, Any]]:
        """The recorded events as the hub will decode them."""
        with self._lock:
            return [orjson.loads(p) for p in self.payloads]


def eventually(condition: Callable[[], object], timeout: float = 5.0) -> bool:
    """Poll until the condition holds or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return bool(condition())


@contextmanager
def running(source: Source, sink: EventSink) -> Iterator[threading.Thread]:
    """Run `source` in a thread; on exit stop it and insist that it returns promptly."""
    stop = threading.Event()
    thread = threading.Thread(target=source.run, args=(sink, stop), daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(3)
        assert not thread.is_alive(), f"{source.name} did not stop within 3 s"


@contextmanager
def serving(receiver: HttpReceiver, sink: EventSink) -> Iterator[str]:
    """Run an HTTP receiver; yield its base URL once it listens."""
    with running(receiver, sink):
        assert receiver.ready.wait(5), "the listener did not come up"
        assert receiver.bound is not None
        host, port = receiver.bound
        yield f"http://{host}:{port}"


def raw_exchange(url: str, request: bytes, timeout: float = 5.0) -> tuple[int, dict[str, Any]]:
    """Send raw bytes, read the answer to its end (the server closes); status and JSON body."""
    host, _, port = url.removeprefix("http://").partition(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as connection:
        connection.sendall(request)
        data = read_until_closed(connection)
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), orjson.loads(body)


def read_until_closed(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)
