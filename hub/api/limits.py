"""Request body limits of the API: a size cap (413) and a deadline for the body (408).

An ASGI middleware, so an oversized or dripping body is refused while it arrives rather
than after the framework has buffered it: a declared Content-Length over the cap is
refused before a byte of the body is read, a chunked body as soon as it passes the cap.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY_BYTES = 16 << 20
BODY_TIMEOUT_S = 30.0  # for the whole body; a client sending a byte a second is cut off


class _Refused(HTTPException):
    """The body broke a limit. An HTTPException, so the framework answers it as it is
    rather than as a body it failed to parse (400); caught here if it gets this far."""

    def __init__(self, status_code: int, detail: str) -> None:
        # Closed after the answer: the rest of the body is never read.
        super().__init__(status_code, detail, headers={"Connection": "close"})


class BodyLimits:
    """Caps every request body at `max_bytes` (or the larger cap of its path) and `timeout_s`."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = DEFAULT_MAX_BODY_BYTES,
        path_max_bytes: Mapping[str, int] | None = None,
        timeout_s: float = BODY_TIMEOUT_S,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_max_bytes = dict(path_max_bytes or {})
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with its body guarded; refuse it if the body breaks a limit."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_max_bytes.get(scope["path"], self.max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _answer(send, 413, f"a request body may hold {limit} bytes at most")
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        received = 0
        body_done = False
        started = False

        async def guarded_receive() -> Message:
            nonlocal received, body_done
            if body_done:
                return await receive()  # e.g. a streaming response waiting for the disconnect
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise _Refused(408, f"the request body took over {self.timeout_s:g} s") from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _Refused(413, f"a request body may hold {limit} bytes at most")
                body_done = not message.get("more_body", False)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, guarded_receive, watched_send)
        except _Refused as refused:
            if started:
                raise  # too late to answer; the server closes the connection
            await _answer(send, refused.status_code, refused.detail)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length itself
    return None


async def _answer(send: Send, status: int, detail: str) -> None:
    body = orjson.dumps({"detail": detail})
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]})
    await send({"type": "http.response.body", "body": body})
