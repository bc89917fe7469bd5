"""Opaque keyset cursors for event search: the (ts, id) of the last item of a page."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

import orjson


def encode_cursor(ts: datetime, event_id: str) -> str:
    """A URL-safe token for the position just after (ts, id) in newest-first order."""
    raw = orjson.dumps([ts.astimezone(UTC).isoformat(timespec="microseconds"), event_id])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (ts, id) inside a cursor; ValueError if it was not made by `encode_cursor`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        ts_text, event_id = orjson.loads(raw)
        ts = datetime.fromisoformat(ts_text)
    except (binascii.Error, orjson.JSONDecodeError, TypeError, ValueError):
        raise ValueError("invalid cursor") from None
    if not isinstance(event_id, str) or ts.tzinfo is None:
        raise ValueError("invalid cursor")
    return ts, event_id
