"""Response schemas of the API, apart from the ledger's tables."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from hub.records import DeadLetterView, GatewayView


class EventPageOut(BaseModel):
    """A page of events, newest first."""

    items: list[dict[str, Any]] = Field(description="event envelopes as stored, plus received_at")
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null at end")


class GapOut(BaseModel):
    """A run of sequence numbers never received from a gateway (inclusive)."""

    first: int
    last: int


class GatewayOut(BaseModel):
    """A gateway's status, last contact and sequence gaps."""

    site: str
    gateway: str
    state: str = Field(description="online, offline, or unknown (events but no status yet)")
    agent_version: str | None
    started_at: datetime | None
    config_hash: str | None
    last_seen: datetime | None
    last_seq: int | None
    events_total: int
    gaps: list[GapOut]
    missing_events: int = Field(description="sum of the gaps' lengths")
    health: dict[str, Any] | None

    @classmethod
    def of(cls, view: GatewayView) -> GatewayOut:
        """From the ledger's view."""
        gaps = [GapOut(first=g.first, last=g.last) for g in view.gaps]
        return cls(
            site=view.site, gateway=view.gateway, state=view.state,
            agent_version=view.agent_version, started_at=view.started_at,
            config_hash=view.config_hash, last_seen=view.last_seen, last_seq=view.last_seq,
            events_total=view.events_total, gaps=gaps,
            missing_events=sum(g.last - g.first + 1 for g in view.gaps), health=view.health,
        )


class DeadLetterOut(BaseModel):
    """A refused message with its reason; the payload as stored, base64."""

    id: int
    received_at: datetime
    topic: str
    reason: str
    size: int = Field(description="size of the full payload in bytes")
    sha256: str = Field(description="SHA-256 of the full payload")
    truncated: bool = Field(description="whether only the first bytes were kept")
    payload_base64: str

    @classmethod
    def of(cls, view: DeadLetterView) -> DeadLetterOut:
        """From the ledger's view."""
        return cls(
            id=view.id, received_at=view.received_at, topic=view.topic, reason=view.reason,
            size=view.size, sha256=view.sha256, truncated=view.truncated,
            payload_base64=base64.b64encode(view.payload).decode("ascii"),
        )


class DeadLetterPageOut(BaseModel):
    """Dead letters, newest first, and how many there are in all."""

    total: int
    items: list[DeadLetterOut]
    next_before: int | None = Field(description="pass as `before` for the next page")


class ReadinessOut(BaseModel):
    """Whether the hub can do its job: ledger reachable, broker connected."""

    ready: bool
    ledger: str
    broker: str
