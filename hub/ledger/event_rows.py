"""The ingest hot path: events as plain tuples for the driver's executemany."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, assert_never

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from hub.ledger.schema import events
from hub.ledger.types import require_utc, sqlite_text
from hub.records import EventRecord
from sitewatch.protocol import Access, Camera, Event, PlaceScan, Sensor, Vehicle

EventRow = tuple[Any, ...]


def events_insert_sql(dialect: Dialect) -> str:
    """INSERT … ON CONFLICT (id) DO NOTHING with positional parameters in column order."""
    insert = sqlite.insert if dialect.name == "sqlite" else postgresql.insert
    if not dialect.positional:
        # Compile for the same driver with %s placeholders: psycopg takes tuples with them.
        driver_dialect: Any = type(dialect)
        dialect = driver_dialect(paramstyle="format")
    columns = [column.name for column in events.columns]
    compiled = (
        insert(events)
        .on_conflict_do_nothing(index_elements=["id"])
        .compile(dialect=dialect, column_keys=columns)
    )
    if list(compiled.positiontup or ()) != columns:
        raise RuntimeError(f"unexpected parameter order {compiled.positiontup}")
    return compiled.string


def timestamp_binder(dialect: Dialect) -> Callable[[datetime], Any]:
    """How the hot path binds a timestamp: what `UtcDateTime` would send to the driver."""
    return sqlite_text if dialect.name == "sqlite" else require_utc


def event_rows(records: list[EventRecord], bind_ts: Callable[[datetime], Any]) -> list[EventRow]:
    """One tuple per record, in `events` column order."""
    rows = []
    received_at: datetime | None = None
    received_value = None
    for record in records:
        event = record.event
        if record.received_at is not received_at:
            # A batch is usually received at one moment: convert that once, not per event.
            received_at = record.received_at
            received_value = bind_ts(received_at)
        subject, result, plate = _indexed_fields(event)
        rows.append(
            (
                event.id,
                event.site,
                event.gateway,
                event.seq,
                bind_ts(event.ts),
                event.device,
                event.kind,
                subject,
                result,
                plate,
                received_value,
                record.body.decode("utf-8"),
            )
        )
    return rows


def _indexed_fields(event: Event) -> tuple[str | None, str | None, str | None]:
    """The searchable (subject, result, plate) of an event; `result` is its outcome or type."""
    match event:
        case PlaceScan():
            return event.subject, event.verdict, None
        case Access():
            return event.subject, event.result, None
        case Camera():
            return None, event.type, None
        case Vehicle():
            return None, event.result, event.plate
        case Sensor():
            return None, event.metric, None
        case _:
            assert_never(event)
