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


# What a field's pattern means, in words: a regex is no reason to show a person.
_PATTERN_HINTS = {
    "id": "must be a UUID or a ULID",
    "subject": "must be a pseudonym: 64 lower-case hex digits (HMAC-SHA256)",
    "ref": "must be a pseudonym: 64 lower-case hex digits (HMAC-SHA256)",
    "sha256": "must be 64 lower-case hex digits",
    "site": "must be a name of letters, digits, '.', '_' or '-' (at most 64)",
    "gateway": "must be a name of letters, digits, '.', '_' or '-' (at most 64)",
    "device": "must be printable text",
    "plate": "must be printable text",
    "metric": "must be a lower-case identifier",
}


def describe_validation_error(error: ValidationError) -> str:
    """A one-line reason from a pydantic error: `field: message; ...`."""
    parts = []
    for item in error.errors(include_url=False, include_context=False, include_input=False):
        loc = ".".join(str(p) for p in item["loc"]) or "(envelope)"
        message = item["msg"]
        if item["type"] == "string_pattern_mismatch" and item["loc"]:
            message = _PATTERN_HINTS.get(str(item["loc"][-1]), "has the wrong form")
        parts.append(f"{loc}: {message}")
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
        return _decode_one(topic, document, payload)
    if isinstance(document, list):
        if not document:
            return Decoded([], [Rejected(payload, "empty batch")])
        if len(document) > MAX_BATCH:
            return Decoded([], [Rejected(payload, f"batch of {len(document)} exceeds {MAX_BATCH}")])
        return _decode_items(topic, document, payload)
    return Decoded([], [Rejected(payload, "payload must be a JSON object or array of objects")])


def _decode_one(topic: Topic, item: dict[str, Any], payload: bytes) -> Decoded:
    """The common case, one envelope per message: the batch loop's work without its setup."""
    try:
        event = event_adapter.validate_python(item)
    except ValidationError as exc:
        return Decoded([], [Rejected(payload, describe_validation_error(exc))])
    if event.site != topic.site or event.gateway != topic.gateway:
        return Decoded([], [Rejected(payload, _mismatch(event, topic))])
    return Decoded([Accepted(event, orjson.dumps(item))], [])


def _mismatch(event: Event, topic: Topic) -> str:
    return (f"body site/gateway {event.site}/{event.gateway} does not match "
            f"topic {topic.site}/{topic.gateway}")


def _decode_items(topic: Topic, items: list[Any], payload: bytes) -> Decoded:
    accepted: list[Accepted] = []
    rejected: list[Rejected] = []
    validate = event_adapter.validate_python

    def refuse(index: int, item: Any, reason: str) -> None:
        rejected.append(Rejected(_item_json(item, payload), f"batch item {index}: {reason}"))

    for index, item in enumerate(items):
        if type(item) is not dict:
            refuse(index, item, "an event must be a JSON object")
            continue
        try:
            event = validate(item)
        except ValidationError as exc:
            refuse(index, item, describe_validation_error(exc))
            continue
        if event.site != topic.site or event.gateway != topic.gateway:
            refuse(index, item, _mismatch(event, topic))
            continue
        accepted.append(Accepted(event, orjson.dumps(item)))
    return Decoded(accepted, rejected)


def _item_json(item: Any, payload: bytes) -> bytes:
    """A batch item's JSON for its dead letter; the whole message if orjson cannot write it."""
    try:
        return orjson.dumps(item)
    except TypeError:  # nested deeper than orjson writes (255 levels), not than it reads (1024)
        return payload


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
