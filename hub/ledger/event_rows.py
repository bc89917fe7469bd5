"""The ingest hot path: events as plain tuples, inserted with multi-row VALUES statements.

Not executemany: the sqlite3 driver releases and retakes the GIL for every row, and with
paho's network thread busy in the same process each retake can wait a whole switch
interval (measured: 156 rows/s instead of 41,000). One statement per chunk of rows
releases it once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import chain
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


class EventsInsert:
    """`INSERT … VALUES (…), (…) … ON CONFLICT (id) DO NOTHING RETURNING id`, one per chunk."""

    # As many rows as SQLite's 32,766 parameters allow (PostgreSQL allows 65,535): fewer
    # statements per commit mean fewer waits to take the GIL back.
    CHUNK_ROWS = 32_766 // len(events.columns)

    def __init__(self, dialect: Dialect) -> None:
        single = events_insert_sql(dialect)
        head, _, rest = single.partition(" VALUES ")
        group, _, tail = rest.partition(" ON CONFLICT")
        if not head or not group.startswith("(") or not tail:
            raise RuntimeError(f"unexpected INSERT form: {single}")
        # RETURNING names the rows that were new, so what follows the ledger (time series,
        # rules) sees each event once even when a hub crash made the broker redeliver it.
        self._head, self._group = head, group
        self._tail = " ON CONFLICT" + tail + " RETURNING id"
        self._statements: dict[int, str] = {}

    def statement(self, rows: int) -> str:
        """The SQL text for `rows` rows (cached per row count)."""
        sql = self._statements.get(rows)
        if sql is None:
            values = ", ".join([self._group] * rows)
            sql = self._statements[rows] = f"{self._head} VALUES {values}{self._tail}"
        return sql

    def chunks(self, rows: list[EventRow]) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """(statement, flat parameters) for each chunk of `rows`."""
        size = self.CHUNK_ROWS
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            yield self.statement(len(chunk)), tuple(chain.from_iterable(chunk))


def timestamp_binder(dialect: Dialect) -> Callable[[datetime], Any]:
    """How the hot path binds a timestamp: what `UtcDateTime` would send to the driver."""
    return sqlite_text if dialect.name == "sqlite" else require_utc


def event_rows(records: list[EventRecord], bind_ts: Callable[[datetime], Any]) -> list[EventRow]:
    """One tuple per record, in `events` column order, its registry enrichment last."""
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
                *record.enrichment,  # building, floor, gate, enterprise, person_type
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
