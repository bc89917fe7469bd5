"""Ledger test inputs built with the real protocol models."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import orjson

from hub.records import (
    DeadLetter,
    EventRecord,
    HealthRecord,
    IngestBatch,
    MediaRecord,
    StatusRecord,
)
from sitewatch.protocol import GatewayHealth, GatewayStatus, event_adapter

SITE = "park-1"
GATEWAY = "gw-1"
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
RECEIVED = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)

_KIND_FIELDS: dict[str, dict[str, Any]] = {
    "place_scan": {
        "method": "id_card",
        "health": "green",
        "temperature_c": 36.6,
        "verdict": "pass",
    },
    "access": {"credential": {"type": "card"}, "direction": "in", "result": "granted"},
    "camera": {"type": "person", "count": 2},
    "vehicle": {"plate": "A12345", "direction": "in", "result": "granted"},
    "sensor": {"metric": "smoke", "value": True, "alarm": True},
}


def pseudonym(name: str) -> str:
    """A subject pseudonym (64 hex digits) standing for a person called `name`."""
    return hashlib.sha256(name.encode()).hexdigest()


def envelope(seq: int, kind: str = "place_scan", **fields: Any) -> dict[str, Any]:
    """An event envelope as a JSON document; `fields` override the defaults."""
    doc: dict[str, Any] = {
        "v": 1,
        "id": str(uuid.uuid4()),
        "seq": seq,
        "ts": (T0 + timedelta(seconds=seq)).isoformat(),
        "site": SITE,
        "gateway": GATEWAY,
        "device": "gate-1",
        "kind": kind,
        **_KIND_FIELDS[kind],
    }
    if kind == "place_scan":
        doc["subject"] = pseudonym("alice")
    doc.update(fields)
    return doc


def record(doc: dict[str, Any], received_at: datetime = RECEIVED) -> EventRecord:
    """A validated event record of a document, its body as the hub would store it."""
    return EventRecord(event_adapter.validate_python(doc), orjson.dumps(doc), received_at)


def events_batch(*docs: dict[str, Any], received_at: datetime = RECEIVED) -> IngestBatch:
    """A batch holding only these events."""
    return IngestBatch(events=[record(doc, received_at) for doc in docs])


def seq_batch(*seqs: int, gateway: str = GATEWAY) -> IngestBatch:
    """A batch of place scans with these sequence numbers."""
    return events_batch(*(envelope(seq, gateway=gateway) for seq in seqs))


def status(
    state: Literal["online", "offline"] = "online",
    received_at: datetime = RECEIVED,
    gateway: str = GATEWAY,
    version: str = "1.0.0",
) -> StatusRecord:
    """A gateway status message as received."""
    body = GatewayStatus(
        state=state,
        agent_version=version,
        started_at=datetime(2024, 5, 1, 7, 0, tzinfo=UTC),
        config_hash="c0ffee",
    )
    return StatusRecord(SITE, gateway, body, received_at)


def health(depth: int, received_at: datetime = RECEIVED, gateway: str = GATEWAY) -> HealthRecord:
    """A gateway health report with outbox depth `depth`."""
    body = GatewayHealth(
        ts=received_at,
        outbox_depth=depth,
        oldest_pending_age_s=1.5,
        cpu_percent=3.0,
        memory_rss_bytes=1 << 25,
    )
    return HealthRecord(SITE, gateway, body, received_at)


def dead_letter(
    payload: bytes, reason: str = "malformed JSON", received_at: datetime = RECEIVED
) -> DeadLetter:
    """A refused message."""
    return DeadLetter(f"sitewatch/v1/{SITE}/{GATEWAY}/events", payload, reason, received_at)


def media_record(content: bytes, received_at: datetime = RECEIVED) -> MediaRecord:
    """A stored media object of these bytes."""
    digest = hashlib.sha256(content).hexdigest()
    return MediaRecord(digest, SITE, GATEWAY, len(content), f"/media/{digest}", received_at)
