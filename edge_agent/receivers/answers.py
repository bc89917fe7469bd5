"""What an HTTP push must look like before its body is read, and what the receiver answers.

Plain values in and out (a target, headers, settings → a refusal or the body length), so
the listener's rules read in one place and test without a socket.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from email.message import Message
from typing import Any, Protocol
from urllib.parse import urlsplit

from edge_agent.ports import EventSink
from edge_agent.receivers.settings import HttpListenerSettings

_BEARER = (("WWW-Authenticate", "Bearer"),)


@dataclass(frozen=True, slots=True)
class Answer:
    """What the listener sends back: a status, a JSON body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def error(
        cls,
        status: int,
        error: str,
        detail: list[Any] | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> Answer:
        """An error answer: `{"error": ..., "detail": [...]}`."""
        return cls(status, {"error": error, "detail": detail or []}, headers)

    def summary(self) -> str:
        """The error and its details on one line, for the log."""
        parts = [str(self.body.get("error", ""))]
        for item in self.body.get("detail", []):
            if isinstance(item, dict):
                where = f"record {item['index']}: " if "index" in item else ""
                parts.append(f"{where}{item.get('field')}: {item.get('message')}")
            else:
                parts.append(str(item))
        return "; ".join(parts)


class Intake(Protocol):
    """What the listener hands request bodies to, and counts on."""

    name: str

    def receive(self, body: bytes, sink: EventSink) -> Answer:
        """Turn a request body into events in `sink`; say how it went."""
        ...

    def count(self, key: str, n: int = 1) -> None:
        """Add to a counter of the health report."""
        ...


def check_push_headers(
    target: str, headers: Message, settings: HttpListenerSettings
) -> tuple[Answer | None, int]:
    """A refusal (path, token, length, content type), or None and the body's length."""
    if urlsplit(target).path != settings.path:
        return Answer.error(404, "not found"), 0
    if settings.token is not None and not _authorised(headers, settings.token.get_secret_value()):
        return Answer.error(401, "missing or wrong bearer token", headers=_BEARER), 0
    if headers.get("Transfer-Encoding") is not None:
        return Answer.error(411, "send the body with a Content-Length, not chunked"), 0
    lengths = headers.get_all("Content-Length") or []
    if not lengths:
        return Answer.error(411, "Content-Length is required"), 0
    if len(lengths) > 1 or not lengths[0].strip().isdigit():
        return Answer.error(400, "Content-Length is not a single number"), 0
    length = int(lengths[0])
    if length > settings.max_body_bytes:
        limit = settings.max_body_bytes
        return Answer.error(413, f"body of {length} bytes exceeds the limit of {limit}"), 0
    if not _is_json(headers.get("Content-Type") or ""):
        return Answer.error(415, "Content-Type must be application/json (UTF-8)"), 0
    return None, length


def _is_json(content_type: str) -> bool:
    """application/json or a +json type, in UTF-8 (JSON's only encoding on the wire)."""
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    charset = params.strip().lower().removeprefix("charset=").strip('"')
    return (media == "application/json" or media.endswith("+json")) and charset in ("", "utf-8")


def _authorised(headers: Message, token: str) -> bool:
    """Whether the request carries `Authorization: Bearer <token>` (compared in constant time)."""
    scheme, _, presented = (headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(presented.strip().encode(), token.encode())
