"""Queries of the ledger: event search, gateways, dead letters, media.

An event item is its stored envelope plus two keys protocol v1 does not use (envelopes
with unknown top-level fields are refused, so these can never clash with one):
  `received_at`  when the hub received it (RFC 3339, UTC);
  `enrichment`   what the registry said on ingest: `building`, `floor`, `gate`,
                 `enterprise` and `person_type`, each null where it knew nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Table, and_, func, or_, select

from hub.ledger.cursor import decode_cursor, encode_cursor
from hub.ledger.schema import dead_letters, events, gateways, media, sequence_gaps
from hub.ledger.types import require_utc
from hub.records import DeadLetterView, EventPage, EventQuery, GatewayView, SequenceGap

MAX_PAGE = 1000
_ENRICHMENT = ("building", "floor", "gate", "enterprise", "person_type")
_ITEM_COLUMNS = (events.c.body, events.c.received_at, *(events.c[n] for n in _ENRICHMENT))


def clamp_limit(limit: int) -> int:
    """A page size between 1 and MAX_PAGE."""
    return max(1, min(MAX_PAGE, limit))


def search_events(connection: Connection, query: EventQuery) -> EventPage:
    """One page of matching events, newest first by (ts, id), and the next page's cursor."""
    limit = clamp_limit(query.limit)
    stmt = select(events.c.ts, events.c.id, *_ITEM_COLUMNS)
    for column, value in (
        (events.c.site, query.site),
        (events.c.gateway, query.gateway),
        (events.c.device, query.device),
        (events.c.kind, query.kind),
        (events.c.subject, query.subject),
        (events.c.enterprise, query.enterprise),
        (events.c.building, query.building),
        (events.c.gate, query.gate),
        (events.c.result, query.result),
        (events.c.plate, query.plate),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    for column, values in ((events.c.kind, query.kinds), (events.c.device, query.devices)):
        if values is not None:
            stmt = stmt.where(column.in_(values))
    # require_utc here, not only in UtcDateTime, so a naive bound is a plain ValueError.
    if query.since is not None:
        stmt = stmt.where(events.c.ts >= require_utc(query.since))
    if query.until is not None:
        stmt = stmt.where(events.c.ts < require_utc(query.until))
    if query.cursor is not None:
        ts, event_id = decode_cursor(query.cursor)
        # `ts <= :ts` alone bounds the index range; the OR only breaks ties on ts.
        stmt = stmt.where(and_(events.c.ts <= ts, or_(events.c.ts < ts, events.c.id < event_id)))
    stmt = stmt.order_by(events.c.ts.desc(), events.c.id.desc()).limit(limit + 1)
    rows = connection.execute(stmt).all()
    page = rows[:limit]
    items = [_item(row[2:]) for row in page]
    more = len(rows) > limit
    next_cursor = encode_cursor(page[-1].ts, page[-1].id) if more else None
    return EventPage(items=items, next_cursor=next_cursor)


def get_event(connection: Connection, event_id: str) -> dict[str, object] | None:
    """The stored envelope of one event (plus received_at), or None."""
    # Ids are stored canonical, as the protocol model makes them: ULIDs upper, UUIDs lower.
    canonical = event_id.upper() if len(event_id) == 26 else event_id.lower()
    row = connection.execute(select(*_ITEM_COLUMNS).where(events.c.id == canonical)).first()
    return None if row is None else _item(row)


def list_gateways(connection: Connection) -> list[GatewayView]:
    """Every gateway the ledger knows, by (site, gateway), with its open sequence gaps."""
    gaps: dict[tuple[str, str], list[SequenceGap]] = {}
    gap_rows = connection.execute(
        select(sequence_gaps).order_by(
            sequence_gaps.c.site, sequence_gaps.c.gateway, sequence_gaps.c.first
        )
    )
    for site, gateway, first, last in gap_rows:
        gaps.setdefault((site, gateway), []).append(SequenceGap(first, last))
    rows = connection.execute(select(gateways).order_by(gateways.c.site, gateways.c.gateway))
    return [
        GatewayView(
            site=row.site,
            gateway=row.gateway,
            state=row.state,
            agent_version=row.agent_version,
            started_at=row.started_at,
            config_hash=row.config_hash,
            last_seen=row.last_seen,
            last_seq=row.last_seq,
            events_total=row.events_total,
            gaps=gaps.get((row.site, row.gateway), []),
            health=None if row.health is None else orjson.loads(row.health),
        )
        for row in rows
    ]


def list_dead_letters(
    connection: Connection, limit: int, before_id: int | None
) -> list[DeadLetterView]:
    """Dead letters newest first, optionally only those older than `before_id`."""
    stmt = select(dead_letters).order_by(dead_letters.c.id.desc()).limit(clamp_limit(limit))
    if before_id is not None:
        stmt = stmt.where(dead_letters.c.id < before_id)
    return [
        DeadLetterView(
            id=row.id,
            received_at=row.received_at,
            topic=row.topic,
            reason=row.reason,
            size=row.size,
            sha256=row.sha256,
            payload=bytes(row.payload),
            truncated=row.truncated,
        )
        for row in connection.execute(stmt)
    ]


def count_rows(connection: Connection, table: Table) -> int:
    """Number of rows in one of the ledger's tables."""
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def media_path(connection: Connection, sha256: str) -> str | None:
    """Where the media object with this hash is stored, or None."""
    path = connection.execute(
        select(media.c.path).where(media.c.sha256 == sha256.lower())
    ).scalar_one_or_none()
    return None if path is None else str(path)


def media_paths(connection: Connection, hashes: Collection[str]) -> dict[str, str]:
    """Where each of these media objects is stored, for those the ledger has."""
    found: dict[str, str] = {}
    wanted = sorted({sha.lower() for sha in hashes})
    # In chunks: one IN list per statement stays well below every driver's parameter limit.
    for start in range(0, len(wanted), MAX_PAGE):
        chunk = wanted[start : start + MAX_PAGE]
        stmt = select(media.c.sha256, media.c.path).where(media.c.sha256.in_(chunk))
        rows = connection.execute(stmt)
        found.update({str(sha): str(path) for sha, path in rows})
    return found


def _item(row: Sequence[Any]) -> dict[str, object]:
    """An event item from the values of `_ITEM_COLUMNS` (see the module's docstring)."""
    body, received_at, *enrichment = row
    item: dict[str, object] = orjson.loads(body)
    item["received_at"] = received_at.isoformat()
    item["enrichment"] = dict(zip(_ENRICHMENT, enrichment, strict=True))
    return item
