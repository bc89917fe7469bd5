"""Route received MQTT messages into ledger records or dead letters (pure logic)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from hub.ports import ReceivedMessage
from hub.records import (
    NO_ENRICHMENT,
    DeadLetter,
    Enrichment,
    EventRecord,
    HealthRecord,
    IngestBatch,
    StatusRecord,
)
from sitewatch.protocol import (
    Event,
    GatewayHealth,
    GatewayStatus,
    ProtocolError,
    Topics,
    decode_events,
    decode_model,
)


@dataclass(frozen=True, slots=True)
class IngestLimits:
    """Size limits applied before anything is parsed."""

    max_payload_bytes: int
    max_media_bytes: int


@dataclass(frozen=True, slots=True)
class MediaUpload:
    """A media object whose bytes matched the hash in its topic; to be written to the store."""

    sha256: str
    site: str
    gateway: str
    data: bytes


def no_enrichment(_event: Event) -> Enrichment:
    """The enricher of a hub without a registry: nothing known about any event."""
    return NO_ENRICHMENT


def route_message(
    message: ReceivedMessage,
    topics: Topics,
    limits: IngestLimits,
    received_at: datetime,
    batch: IngestBatch,
    enrich: Callable[[Event], Enrichment] = no_enrichment,
) -> MediaUpload | None:
    """Add what `message` carries to `batch`, events enriched by `enrich`; return a media
    upload for the caller to store."""

    def dead(reason: str, payload: bytes = message.payload) -> None:
        batch.dead_letters.append(DeadLetter(message.topic, payload, reason, received_at))

    try:
        topic = topics.parse(message.topic)
    except ProtocolError as exc:
        dead(str(exc))
        return None
    if topic.channel == "events":
        decoded = decode_events(topic, message.payload, limits.max_payload_bytes)
        batch.events.extend(
            EventRecord(a.event, a.body, received_at, enrich(a.event)) for a in decoded.accepted
        )
        for rejected in decoded.rejected:
            dead(rejected.reason, rejected.raw)
        return None
    if topic.channel == "media":
        size = len(message.payload)
        if size > limits.max_media_bytes:
            dead(f"media of {size} bytes exceeds the limit of {limits.max_media_bytes}")
            return None
        actual = hashlib.sha256(message.payload).hexdigest()
        if actual != topic.sha256:
            dead(f"media bytes hash to {actual}, not to the topic's {topic.sha256}")
            return None
        return MediaUpload(actual, topic.site, topic.gateway, message.payload)
    try:
        if topic.channel == "status":
            if not message.payload:
                return None  # an empty retained message clears the status; nothing to record
            status = decode_model(GatewayStatus, message.payload, limits.max_payload_bytes)
            batch.statuses.append(StatusRecord(topic.site, topic.gateway, status, received_at))
        else:
            health = decode_model(GatewayHealth, message.payload, limits.max_payload_bytes)
            batch.healths.append(HealthRecord(topic.site, topic.gateway, health, received_at))
    except ProtocolError as exc:
        dead(f"{topic.channel}: {exc}")
    return None
