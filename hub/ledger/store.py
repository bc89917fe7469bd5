"""The hub's ledger: every event once, dead letters, gateways and their sequence gaps."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Engine, text

from hub.ledger import reads
from hub.ledger.engine import WRITE_OPTION, create_ledger_engine
from hub.ledger.migrate import upgrade_to_head
from hub.ledger.schema import dead_letters, events
from hub.ledger.writes import BatchWriter
from hub.records import (
    CommitResult,
    DeadLetterView,
    EventPage,
    EventQuery,
    GatewayView,
    IngestBatch,
)

DEFAULT_MAX_DEAD_LETTER_BYTES = 1 << 20


class Ledger:
    """The event ledger on SQLite or PostgreSQL; safe to share between threads."""

    def __init__(
        self, engine: Engine, *, max_dead_letter_bytes: int = DEFAULT_MAX_DEAD_LETTER_BYTES
    ) -> None:
        self._engine = engine
        self._writer_engine = engine.execution_options(**{WRITE_OPTION: True})
        self._writer = BatchWriter(engine.dialect, max_dead_letter_bytes)

    @classmethod
    def open(
        cls, url: str, *, max_dead_letter_bytes: int = DEFAULT_MAX_DEAD_LETTER_BYTES
    ) -> Ledger:
        """A ledger on `url` (sqlite:///path or postgresql+psycopg://…); connects lazily."""
        return cls(create_ledger_engine(url), max_dead_letter_bytes=max_dead_letter_bytes)

    @property
    def backend(self) -> str:
        """The database it is on: "sqlite" or "postgresql"."""
        return str(self._engine.dialect.name)

    def migrate(self) -> None:
        """Bring the schema to the newest revision; idempotent, safe at every start."""
        upgrade_to_head(self._engine)

    def commit(self, batch: IngestBatch) -> CommitResult:
        """Store a batch in one transaction: all of it or, on any error (raised), none of it."""
        with self._writer_engine.begin() as connection:
            return self._writer.write(connection, batch)

    def search_events(self, query: EventQuery) -> EventPage:
        """One page of events matching `query`, newest first; ValueError on a bad cursor."""
        with self._engine.begin() as connection:
            return reads.search_events(connection, query)

    def get_event(self, event_id: str) -> dict[str, object] | None:
        """The stored envelope of one event plus `received_at`, or None."""
        with self._engine.begin() as connection:
            return reads.get_event(connection, event_id)

    def list_gateways(self) -> list[GatewayView]:
        """Every known gateway with its state, counters, health and sequence gaps."""
        with self._engine.begin() as connection:
            return reads.list_gateways(connection)

    def list_dead_letters(
        self, limit: int = 100, before_id: int | None = None
    ) -> list[DeadLetterView]:
        """Dead letters newest first; page with `before_id` = the last id seen."""
        with self._engine.begin() as connection:
            return reads.list_dead_letters(connection, limit, before_id)

    def dead_letter_count(self) -> int:
        """How many messages the hub refused and kept."""
        with self._engine.begin() as connection:
            return reads.count_rows(connection, dead_letters)

    def event_count(self) -> int:
        """How many events the ledger holds."""
        with self._engine.begin() as connection:
            return reads.count_rows(connection, events)

    def media_path(self, sha256: str) -> str | None:
        """Where the media object with this SHA-256 is stored, or None."""
        with self._engine.begin() as connection:
            return reads.media_path(connection, sha256)

    def media_paths(self, hashes: Collection[str]) -> dict[str, str]:
        """Where each of these media objects is stored, for those the ledger has."""
        with self._engine.begin() as connection:
            return reads.media_paths(connection, hashes)

    def ping(self) -> None:
        """Raise if the database cannot be reached."""
        with self._engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()
