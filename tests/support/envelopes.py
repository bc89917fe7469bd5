"""Valid protocol envelopes for tests, built from plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from ulid import ULID

SUBJECT = "5" * 64


def access_event(site: str, gateway: str, seq: int, **changes: Any) -> dict[str, Any]:
    """A valid `access` envelope; `changes` override fields."""
    ts = datetime(2026, 11, 22, 8, 0, tzinfo=UTC) + timedelta(seconds=seq)
    event: dict[str, Any] = {
        "v": 1, "id": str(ULID()), "seq": seq, "ts": ts.isoformat(), "site": site,
        "gateway": gateway, "device": "turnstile-1", "kind": "access", "subject": SUBJECT,
        "credential": {"type": "card", "ref": "6" * 64}, "direction": "in", "result": "granted",
    }
    event.update(changes)
    return event


def encode(document: Any) -> bytes:
    """JSON bytes of a document."""
    return orjson.dumps(document)
