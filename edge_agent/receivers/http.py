"""The receivers' HTTP listener: standard library only, bounded, and never brought down by input.

Devices on the site LAN are trusted to be buggy, not to be kind: bodies are bounded and
need a Content-Length, slow clients are cut off, at most `max_connections` are served at
once, and every answer (errors too) is JSON. What a body means is the intake's business.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import orjson

from edge_agent.ports import EventSink
from edge_agent.receivers.answers import Answer, Intake, check_push_headers
from edge_agent.receivers.settings import HttpListenerSettings

log = logging.getLogger(__name__)

_REJECTED = {
    400: "malformed",
    401: "unauthorized",
    404: "not_found",
    408: "timeout",
    411: "length_required",
    413: "too_large",
    415: "media_type",
    422: "invalid",
}
_BUSY = orjson.dumps({"error": "too many connections; retry later"})
_BUSY_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Retry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(_BUSY), _BUSY)
)


def serve(
    settings: HttpListenerSettings,
    intake: Intake,
    sink: EventSink,
    stop: threading.Event,
    on_bound: Callable[[tuple[str, int]], None],
) -> None:
    """Listen until `stop` is set; `on_bound` learns the address once the socket listens."""
    server = _Server(settings, intake, sink)
    try:
        host, port = server.server_address[:2]
        on_bound((str(host), int(port)))
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"http-{intake.name}",
            daemon=True,
        )
        thread.start()
        while not stop.wait(0.2):
            if not thread.is_alive():
                raise RuntimeError(f"{intake.name}: the HTTP listener stopped by itself")
        server.shutdown()
    finally:
        server.cut_connections()
        server.server_close()


class _Server(ThreadingHTTPServer):
    """The listening socket, with a bound on connections and a way to cut them all at stop."""

    daemon_threads = True
    block_on_close = False  # a stalled client must not hold up the agent's stop

    def __init__(self, settings: HttpListenerSettings, intake: Intake, sink: EventSink) -> None:
        self.settings, self.intake, self.sink = settings, intake, sink
        self._slots = threading.BoundedSemaphore(settings.max_connections)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        if ":" in settings.host:
            self.address_family = socket.AF_INET6
        super().__init__((settings.host, settings.port), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection in a thread of its own, if a slot is free; else 503."""
        if not self._slots.acquire(blocking=False):
            self.intake.count("busy")
            log.warning("%s: too many connections; %s refused", self.intake.name, client_address)
            try:
                request.settimeout(1.0)
                request.sendall(_BUSY_RESPONSE)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        with self._open_lock:
            self._open.add(request)
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._release(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Serve one connection, then give its slot back."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log what escaped a handler; the server goes on."""
        self.intake.count("errors")
        log.exception("%s: unexpected error serving %s", self.intake.name, client_address)

    def cut_connections(self) -> None:
        """Shut every open connection, so handler threads end now rather than at a timeout."""
        with self._open_lock:
            for connection in self._open:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)

    def _release(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        self._slots.release()


class _Handler(BaseHTTPRequestHandler):
    """One connection: `GET /healthz`, and `POST {path}` with a bounded JSON body."""

    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive: a busy terminal reuses its connection
    server_version = "sitewatch-agent"
    sys_version = ""

    def setup(self) -> None:
        """Apply the socket timeout before anything is read."""
        super().setup()
        self.connection.settimeout(self.server.settings.timeout_s)

    def do_GET(self) -> None:
        """Liveness for load balancers and the installer: no auth, no body."""
        if urlsplit(self.path).path == "/healthz":
            self._finish(Answer(200, {"status": "ok"}))
        else:
            self._finish(Answer.error(404, "not found"))

    def do_POST(self) -> None:
        """Check the headers, read the body within the deadline, hand it to the intake."""
        intake = self.server.intake
        intake.count("requests")
        refusal, length = check_push_headers(self.path, self.headers, self.server.settings)
        if refusal is not None:
            self._finish(refusal, close=True)  # the body is unread: the connection is spent
            return
        try:
            body = self._read_body(length)
        except TimeoutError:
            self.connection.settimeout(1.0)  # room to say why, not to be held up again
            self._finish(Answer.error(408, "request body too slow"), close=True)
            return
        except OSError:
            intake.count("disconnects")
            self.close_connection = True
            return
        try:
            answer = intake.receive(body, self.server.sink)
        except Exception:
            intake.count("errors")
            log.exception("%s: unexpected error handling a push", intake.name)
            answer = Answer.error(500, "internal error; nothing was stored")
        self._finish(answer)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """JSON for the errors the standard library raises itself (bad request line, 501…).

        Its message may quote the request line, which may carry personal data: not echoed.
        """
        self._finish(Answer.error(code, HTTPStatus(code).phrase), close=True)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Access log at DEBUG, the path without its query string."""
        path = urlsplit(self.path).path if hasattr(self, "path") else "-"
        log.debug("%s %s %s %s", self.client_address[0], self.command, path, code)

    def log_message(self, format: str, *args: Any) -> None:
        """The standard library's notes go to the log, not stderr; at DEBUG, since most are
        idle keep-alive connections timing out."""
        log.debug("%s: %s: %s", self.server.intake.name, self.client_address[0], format % args)

    def _read_body(self, length: int) -> bytes:
        """Exactly `length` bytes, all within the timeout: a slow drip is cut off too."""
        deadline = time.monotonic() + self.server.settings.timeout_s
        chunks: list[bytes] = []
        left = length
        while left:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("body not received in time")
            self.connection.settimeout(remaining)
            chunk = self.rfile.read1(min(left, 65536))
            if not chunk:
                raise ConnectionError("client closed the connection mid-body")
            chunks.append(chunk)
            left -= len(chunk)
        self.connection.settimeout(self.server.settings.timeout_s)
        return b"".join(chunks)

    def _finish(self, answer: Answer, close: bool = False) -> None:
        """Send the answer; count and log it when it is a refusal."""
        intake = self.server.intake
        if answer.status in _REJECTED:
            intake.count(f"rejected_{_REJECTED[answer.status]}")
        elif answer.status == 503:
            intake.count("unavailable")
        if answer.status >= 400 and answer.status != 500:  # a 500 is logged with its traceback
            log.warning(
                "%s: %d from %s: %s",
                intake.name,
                answer.status,
                self.client_address[0],
                answer.summary(),
            )
        payload = orjson.dumps(answer.body)
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers:
                self.send_header(name, value)
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True  # the client is gone; nothing to tell it
