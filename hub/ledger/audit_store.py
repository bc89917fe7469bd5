"""The hash-chained audit log in the ledger database: append, page through, verify."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, select, update

from hub.audit import AuditEntry, AuditHead, AuditRecord, ChainVerdict, chain_entry, check_chain
from hub.ledger.engine import WRITE_OPTION
from hub.ledger.reads import clamp_limit
from hub.ledger.schema_access import audit_head, audit_log

HEAD_ID = 1
_VERIFY_BATCH = 1000


class AuditTampered(RuntimeError):
    """The log cannot take an entry because its head row is gone."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AuditLog:
    """Appends entries one at a time across every hub replica, and checks the chain."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _utc_now) -> None:
        self._engine = engine
        self._clock = clock
        self._writer = engine.execution_options(**{WRITE_OPTION: True})
        # Verify reads the head and every entry: on PostgreSQL that must be one snapshot,
        # or an append landing in between looks like tampering. (SQLite's read
        # transaction in WAL mode is a snapshot already.)
        self._snapshot = (
            engine.execution_options(isolation_level="REPEATABLE READ")
            if engine.dialect.name == "postgresql"
            else engine
        )

    def append(self, entry: AuditEntry) -> AuditRecord:
        """Record `entry` in its own transaction; returns it as stored."""
        with self._writer.begin() as connection:
            return self.append_in(connection, entry)

    def append_in(self, connection: Connection, entry: AuditEntry) -> AuditRecord:
        """Record `entry` inside the caller's write transaction (committed with the change).

        On SQLite the caller's transaction must have begun as a writer (the ledger's
        WRITE_OPTION, BEGIN IMMEDIATE), or a concurrent append can make it fail as busy.
        """
        # The head's row lock (FOR UPDATE; SQLite's BEGIN IMMEDIATE already holds the only
        # write lock) makes appends from all replicas take their turn: each one reads the
        # head the previous one wrote, so ids and links never fork.
        row = connection.execute(
            select(audit_head.c.entries, audit_head.c.last_hash)
            .where(audit_head.c.id == HEAD_ID)
            .with_for_update()
        ).first()
        if row is None:
            raise AuditTampered("the audit head row is missing; run verify")
        record = chain_entry(entry, AuditHead(row.entries, row.last_hash), self._clock())
        connection.execute(audit_log.insert().values(_values(record)))
        connection.execute(
            update(audit_head)
            .where(audit_head.c.id == HEAD_ID)
            .values(entries=record.id, last_hash=record.hash)
        )
        return record

    def page(
        self,
        limit: int = 100,
        before_id: int | None = None,
        actor: str | None = None,
        action: str | None = None,
    ) -> list[AuditRecord]:
        """Entries newest first; page with `before_id` = the last id seen."""
        stmt = select(audit_log).order_by(audit_log.c.id.desc()).limit(clamp_limit(limit))
        if before_id is not None:
            stmt = stmt.where(audit_log.c.id < before_id)
        if actor is not None:
            stmt = stmt.where(audit_log.c.actor == actor)
        if action is not None:
            stmt = stmt.where(audit_log.c.action == action)
        with self._engine.begin() as connection:
            return [_record(row) for row in connection.execute(stmt)]

    def verify(self) -> ChainVerdict:
        """Walk the whole chain against the head; the first bad entry and why, if any."""
        with self._snapshot.begin() as connection:
            row = connection.execute(
                select(audit_head.c.entries, audit_head.c.last_hash).where(
                    audit_head.c.id == HEAD_ID
                )
            ).first()
            head = None if row is None else AuditHead(row.entries, row.last_hash)
            return check_chain(_walk(connection), head, lambda h: _holder(connection, h))


def _walk(connection: Connection) -> Iterator[AuditRecord]:
    # Streamed (a server-side cursor on PostgreSQL): the log can outgrow memory.
    result = connection.execution_options(yield_per=_VERIFY_BATCH).execute(
        select(audit_log).order_by(audit_log.c.id)
    )
    for row in result:
        yield _record(row)


def _holder(connection: Connection, entry_hash: str) -> int | None:
    """The id of the entry whose hash is `entry_hash`, if any (a scan: only on a break)."""
    found = connection.execute(
        select(audit_log.c.id).where(audit_log.c.hash == entry_hash).limit(1)
    ).scalar_one_or_none()
    return None if found is None else int(found)


def _values(record: AuditRecord) -> dict[str, Any]:
    return {
        "id": record.id, "ts": record.ts, "actor": record.actor, "role": record.role,
        "action": record.action, "target": record.target, "detail": record.detail,
        "prev_hash": record.prev_hash, "hash": record.hash,
    }


def _record(row: Row[Any]) -> AuditRecord:
    return AuditRecord(
        id=row.id, ts=row.ts, actor=row.actor, role=row.role, action=row.action,
        target=row.target, detail=row.detail, prev_hash=row.prev_hash, hash=row.hash,
    )
