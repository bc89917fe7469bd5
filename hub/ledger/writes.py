"""Write one ingest batch into the ledger inside the caller's transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from hub.ledger.event_rows import EventsInsert, event_rows, timestamp_binder
from hub.ledger.gap_rows import advance_sequence
from hub.ledger.schema import dead_letters, gateways, media
from hub.records import (
    CommitResult,
    DeadLetter,
    EventRecord,
    HealthRecord,
    IngestBatch,
    MediaRecord,
    StatusRecord,
)

GatewayKey = tuple[str, str]
GatewayRow = dict[str, Any]

_GATEWAY_VALUES = (
    "state",
    "agent_version",
    "started_at",
    "config_hash",
    "status_at",
    "last_seen",
    "last_seq",
    "events_total",
    "health",
    "health_at",
)
_UPDATE_GATEWAY = (
    update(gateways)
    .where(gateways.c.site == bindparam("key_site"), gateways.c.gateway == bindparam("key_gateway"))
    .values({name: bindparam(name) for name in _GATEWAY_VALUES})
)


class BatchWriter:
    """Writes ingest batches for one SQL dialect, with its statements prepared once."""

    def __init__(self, dialect: Dialect, max_dead_letter_bytes: int) -> None:
        self._insert = sqlite.insert if dialect.name == "sqlite" else postgresql.insert
        self._max_dead_letter_bytes = max_dead_letter_bytes
        self._events_insert = EventsInsert(dialect)
        self._bind_ts = timestamp_binder(dialect)

    def write(self, connection: Connection, batch: IngestBatch) -> CommitResult:
        """Store everything in `batch`; the caller owns (commits or rolls back) the transaction."""
        groups: dict[GatewayKey, list[EventRecord]] = {}
        for record in batch.events:
            groups.setdefault((record.event.site, record.event.gateway), []).append(record)
        keys = set(groups)
        keys.update((status.site, status.gateway) for status in batch.statuses)
        keys.update((health.site, health.gateway) for health in batch.healths)
        rows = self._lock_gateways(connection, sorted(keys))

        stored_total = 0
        fresh: list[EventRecord] = []
        for (site, gateway), records in groups.items():
            # Per gateway, so the counts say how many of *its* events were new.
            new_ids: set[str] = set()
            for sql, params in self._events_insert.chunks(event_rows(records, self._bind_ts)):
                new_ids.update(row[0] for row in connection.exec_driver_sql(sql, params))
            stored = len(new_ids)
            stored_total += stored
            for record in records:
                if record.event.id in new_ids:
                    new_ids.discard(record.event.id)  # a repeat within the batch is not new
                    fresh.append(record)
            row = rows[(site, gateway)]
            row["events_total"] += stored
            row["last_seen"] = _latest(row["last_seen"], max(r.received_at for r in records))
            row["last_seq"] = advance_sequence(
                connection, site, gateway, row["last_seq"], [r.event.seq for r in records]
            )
        _apply_statuses(rows, batch.statuses)
        _apply_healths(rows, batch.healths)
        if rows:
            connection.execute(
                _UPDATE_GATEWAY,
                [{"key_site": s, "key_gateway": g, **row} for (s, g), row in rows.items()],
            )
        if batch.dead_letters:
            connection.execute(
                dead_letters.insert(), [self._dead_letter_row(d) for d in batch.dead_letters]
            )
        if batch.media:
            connection.execute(
                self._insert(media).on_conflict_do_nothing(index_elements=["sha256"]),
                [_media_row(m) for m in batch.media],
            )
        return CommitResult(
            stored=stored_total, duplicates=len(batch.events) - stored_total, fresh=tuple(fresh)
        )

    def _lock_gateways(
        self, connection: Connection, keys: list[GatewayKey]
    ) -> dict[GatewayKey, GatewayRow]:
        """Create missing gateway rows, then lock all in key order (no deadlocks between hubs)."""
        if not keys:
            return {}
        connection.execute(
            self._insert(gateways).on_conflict_do_nothing(index_elements=["site", "gateway"]),
            [{"site": s, "gateway": g, "state": "unknown", "events_total": 0} for s, g in keys],
        )
        # FOR UPDATE on PostgreSQL; on SQLite, BEGIN IMMEDIATE already serialises writers.
        query = (
            select(gateways)
            .where(tuple_(gateways.c.site, gateways.c.gateway).in_(keys))
            .order_by(gateways.c.site, gateways.c.gateway)
            .with_for_update()
        )
        return {
            (row["site"], row["gateway"]): {name: row[name] for name in _GATEWAY_VALUES}
            for row in connection.execute(query).mappings()
        }

    def _dead_letter_row(self, letter: DeadLetter) -> dict[str, Any]:
        payload = letter.payload
        return {
            "received_at": letter.received_at,
            "topic": _storable_text(letter.topic),
            "reason": _storable_text(letter.reason),
            "size": len(payload),
            "sha256": hashlib.sha256(payload).hexdigest(),
            "payload": payload[: self._max_dead_letter_bytes],
            "truncated": len(payload) > self._max_dead_letter_bytes,
        }


def _media_row(record: MediaRecord) -> dict[str, Any]:
    return {
        "sha256": record.sha256,
        "site": record.site,
        "gateway": record.gateway,
        "size": record.size,
        "path": record.path,
        "received_at": record.received_at,
    }


def _apply_statuses(rows: dict[GatewayKey, GatewayRow], statuses: Iterable[StatusRecord]) -> None:
    """Newest status wins, judged by when the hub received it."""
    for record in sorted(statuses, key=lambda s: s.received_at):
        row = rows[(record.site, record.gateway)]
        row["last_seen"] = _latest(row["last_seen"], record.received_at)
        if row["status_at"] is not None and row["status_at"] > record.received_at:
            continue
        status = record.status
        row.update(
            state=status.state,
            agent_version=status.agent_version,
            started_at=status.started_at,
            config_hash=status.config_hash,
            status_at=record.received_at,
        )


def _apply_healths(rows: dict[GatewayKey, GatewayRow], healths: Iterable[HealthRecord]) -> None:
    """Newest health report wins, judged by when the hub received it."""
    for record in sorted(healths, key=lambda h: h.received_at):
        row = rows[(record.site, record.gateway)]
        row["last_seen"] = _latest(row["last_seen"], record.received_at)
        if row["health_at"] is not None and row["health_at"] > record.received_at:
            continue
        row.update(health=record.health.model_dump_json(), health_at=record.received_at)


def _latest(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate > current else current


def _storable_text(text: str) -> str:
    # PostgreSQL text cannot hold NUL, and a dead letter must never fail to store.
    return text.replace("\x00", "\\x00")
