"""Plain records that pass between the hub's ingest and its ledger (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sitewatch.protocol import Event, GatewayHealth, GatewayStatus


class Enrichment(NamedTuple):
    """What the registry adds to an event on ingest: where it happened, whose it was.

    A named tuple, not a dataclass: ingest makes one per event, and a tuple is the
    cheapest immutable record to make and to splat into a ledger row.
    """

    building: str | None = None
    floor: int | None = None
    gate: str | None = None
    enterprise: str | None = None
    person_type: str | None = None  # employee, visitor or staff


NO_ENRICHMENT = Enrichment()


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A validated event with its JSON body and registry enrichment, ready for the ledger."""

    event: Event
    body: bytes
    received_at: datetime
    enrichment: Enrichment = NO_ENRICHMENT


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message (or batch item) the hub refused, kept with the reason."""

    topic: str
    payload: bytes
    reason: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class StatusRecord:
    """A gateway's retained status or last will."""

    site: str
    gateway: str
    status: GatewayStatus
    received_at: datetime


@dataclass(frozen=True, slots=True)
class HealthRecord:
    """A gateway's periodic health report."""

    site: str
    gateway: str
    health: GatewayHealth
    received_at: datetime


@dataclass(frozen=True, slots=True)
class MediaRecord:
    """A media object whose bytes were verified against its hash and stored."""

    sha256: str
    site: str
    gateway: str
    size: int
    path: str
    received_at: datetime


@dataclass(slots=True)
class IngestBatch:
    """Everything from a group of MQTT messages, committed in one transaction."""

    events: list[EventRecord] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    statuses: list[StatusRecord] = field(default_factory=list)
    healths: list[HealthRecord] = field(default_factory=list)
    media: list[MediaRecord] = field(default_factory=list)

    def __len__(self) -> int:
        return (len(self.events) + len(self.dead_letters) + len(self.statuses)
                + len(self.healths) + len(self.media))


@dataclass(frozen=True, slots=True)
class CommitResult:
    """What a commit changed: new events stored, duplicates absorbed."""

    stored: int
    duplicates: int
    fresh: tuple[EventRecord, ...] = ()  # the stored events, each once, in batch order


@dataclass(frozen=True, slots=True)
class EventQuery:
    """A search of the ledger; every filter is optional; newest first, keyset-paginated."""

    since: datetime | None = None
    until: datetime | None = None
    site: str | None = None
    gateway: str | None = None
    device: str | None = None
    kind: str | None = None
    subject: str | None = None
    enterprise: str | None = None  # from the enrichment stored with each event
    building: str | None = None  # from the enrichment
    gate: str | None = None  # from the enrichment
    result: str | None = None  # verdict, access result, camera type or sensor metric
    plate: str | None = None
    kinds: tuple[str, ...] | None = None  # any of these kinds (with `kind`, both must hold)
    devices: tuple[str, ...] | None = None  # any of these devices
    limit: int = 100
    cursor: str | None = None  # opaque, from EventPage.next_cursor


@dataclass(frozen=True, slots=True)
class EventPage:
    """One page of events (the stored envelopes) and the cursor of the next page."""

    items: list[dict[str, object]]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class SequenceGap:
    """A run of sequence numbers a gateway never delivered (inclusive)."""

    first: int
    last: int


@dataclass(frozen=True, slots=True)
class GatewayView:
    """A gateway as the API shows it."""

    site: str
    gateway: str
    state: str  # online, offline or unknown (events seen, no status yet)
    agent_version: str | None
    started_at: datetime | None
    config_hash: str | None
    last_seen: datetime | None
    last_seq: int | None
    events_total: int
    gaps: list[SequenceGap]
    health: dict[str, object] | None


@dataclass(frozen=True, slots=True)
class DeadLetterView:
    """A dead-letter entry as the API shows it (payload as stored, maybe truncated)."""

    id: int
    received_at: datetime
    topic: str
    reason: str
    size: int
    sha256: str
    payload: bytes
    truncated: bool
