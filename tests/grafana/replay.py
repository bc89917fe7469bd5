"""A stand-in Grafana that replays a recorded HTTP exchange and keeps what it was sent.

No Grafana server can be installed where the tests run, so the provisioner is tested
against answers recorded in `recorded/*.json` (modelled on Grafana 11's API).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).parent / "recorded"


@dataclass
class Received:
    """One request as the stand-in saw it."""

    method: str
    path: str
    authorization: str
    body: Any


@dataclass
class ReplayGrafana:
    """Answers requests in the recorded order; an unexpected request gets a 500."""

    recording: str
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        data = json.loads((RECORDED / f"{self.recording}.json").read_text(encoding="utf-8"))
        self.exchanges: list[dict[str, Any]] = data["exchanges"]
        self.token: str = data["token"]
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL of the stand-in."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ReplayGrafana:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        replay = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                with lock:
                    index = len(replay.received)
                    replay.received.append(
                        Received(
                            self.command,
                            self.path,
                            self.headers.get("Authorization", ""),
                            json.loads(raw) if raw else None,
                        )
                    )
                if index < len(replay.exchanges):
                    response = replay.exchanges[index]["response"]
                    status, body = response["status"], response["body"]
                else:
                    status, body = 500, {"message": "request beyond the recording"}
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


def contains(actual: Any, expected: Any) -> bool:
    """Whether `actual` holds every key and value of `expected` (recursively for mappings)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and contains(actual[key], value) for key, value in expected.items()
        )
    return bool(actual == expected)
