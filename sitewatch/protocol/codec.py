"""Decode protocol payloads into models, or into reasons for the dead-letter store.

Pure functions: bytes in, values out. The hub calls them; so do the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from sitewatch.protocol.errors import ProtocolError
from sitewatch.protocol.events import Event, event_adapter
from sitewatch.protocol.topics import Topic

DEFAULT_MAX_PAYLOAD = 1024 * 1024
MAX_BATCH = 10_000
_MAX_REASON = 600

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Accepted:
    """A valid event and its JSON body as stored in the ledger."""

    event: Event
    body: bytes


@dataclass(frozen=True, slots=True)
class Rejected:
    """An invalid message or batch item: its raw bytes and why it was refused."""

    raw: bytes
    reason: str


@dataclass(frozen=True, slots=True)
class Decoded:
    """What one events message decodes into: accepted events and rejected items."""

    accepted: list[Accepted]
    rejected: list[Rejected]


def describe_validation_error(error: ValidationError) -> str:
    """A one-line reason from a pydantic error: `field: message; ...`."""
    parts = []
    for item in error.errors(include_url=False, include_context=False, include_input=False):
        loc = ".".join(str(p) for p in item["loc"]) or "(envelope)"
        parts.append(f"{loc}: {item['msg']}")
    return _clip("; ".join(parts))


def load_json(payload: bytes, max_bytes: int = DEFAULT_MAX_PAYLOAD) -> Any:
    """Parse a JSON payload or raise ProtocolError with a clear reason."""
    if len(payload) > max_bytes:
        raise ProtocolError(f"payload of {len(payload)} bytes exceeds the limit of {max_bytes}")
    if b"\\u0000" in payload:
        # Text with NUL cannot be stored in PostgreSQL and has no business in an event.
        raise ProtocolError("payload contains a NUL character (\\u0000)")
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError as utf:
            raise ProtocolError(f"payload is not valid UTF-8 (byte {utf.start})") from None
        raise ProtocolError(_clip(f"malformed JSON: {exc}")) from None


def decode_events(topic: Topic, payload: bytes, max_bytes: int = DEFAULT_MAX_PAYLOAD) -> Decoded:
    """Decode an events message (one envelope or a JSON array of them) published on `topic`."""
    try:
        document = load_json(payload, max_bytes)
    except ProtocolError as exc:
        return Decoded([], [Rejected(payload, str(exc))])
    if isinstance(document, dict):
        return _decode_items(topic, [document], single=payload)
    if isinstance(document, list):
        if not document:
            return Decoded([], [Rejected(payload, "empty batch")])
        if len(document) > MAX_BATCH:
            return Decoded([], [Rejected(payload, f"batch of {len(document)} exceeds {MAX_BATCH}")])
        return _decode_items(topic, document, single=None)
    return Decoded([], [Rejected(payload, "payload must be a JSON object or array of objects")])


def _decode_items(topic: Topic, items: list[Any], single: bytes | None) -> Decoded:
    accepted: list[Accepted] = []
    rejected: list[Rejected] = []
    for index, item in enumerate(items):
        where = "" if single is not None else f"batch item {index}: "
        raw = single if single is not None else orjson.dumps(item)
        if not isinstance(item, dict):
            rejected.append(Rejected(raw, f"{where}an event must be a JSON object"))
            continue
        try:
            event = event_adapter.validate_python(item)
        except ValidationError as exc:
            rejected.append(Rejected(raw, where + describe_validation_error(exc)))
            continue
        if event.site != topic.site or event.gateway != topic.gateway:
            rejected.append(
                Rejected(
                    raw,
                    f"{where}body site/gateway {event.site}/{event.gateway} does not match "
                    f"topic {topic.site}/{topic.gateway}",
                )
            )
            continue
        accepted.append(Accepted(event, raw if single is None else orjson.dumps(item)))
    return Decoded(accepted, rejected)


def decode_model(model: type[M], payload: bytes, max_bytes: int = DEFAULT_MAX_PAYLOAD) -> M:
    """Decode a status or health payload into `model`, or raise ProtocolError."""
    document = load_json(payload, max_bytes)
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise ProtocolError(describe_validation_error(exc)) from None


def encode_event(event: Event) -> bytes:
    """The wire JSON of one event (aliases such as `in` applied, unset optionals omitted)."""
    return event.model_dump_json(by_alias=True, exclude_none=True).encode("utf-8")


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"
