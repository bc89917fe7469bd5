"""Alarms in the ledger database (SQLAlchemy Core, SQLite or PostgreSQL).

Safe with several hub replicas on one PostgreSQL: a signal folds into the alarm it
locks (SELECT … FOR UPDATE); when there is none, the insert meets a concurrent one on
the partial unique index of open keys (ON CONFLICT DO NOTHING) and the loser folds into
the winner's alarm. Escalations are claimed with FOR UPDATE SKIP LOCKED, so each happens
once. On SQLite every write transaction is BEGIN IMMEDIATE, which serialises writers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from hub.alarms import lifecycle
from hub.alarms.lifecycle import Alarm, Change
from hub.alarms.records import SYSTEM_ACTOR, AlarmAction, AlarmQuery
from hub.ledger.engine import WRITE_OPTION, create_ledger_engine
from hub.ledger.schema_alarms import NOT_RESOLVED, alarm_actions, alarms
from hub.rules.signals import AlarmSignal

_FOLD_ATTEMPTS = 5  # each lost race means another replica's alarm to fold into


class AlarmNotFoundError(LookupError):
    """No alarm has this id."""


class AlarmStore:
    """Alarms and their history; every change is one transaction. Thread-safe."""

    def __init__(
        self, engine: Engine, *, max_event_ids: int = lifecycle.DEFAULT_MAX_EVENT_IDS
    ) -> None:
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE_OPTION: True})
        self._upsert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._max_event_ids = max_event_ids

    @classmethod
    def open(cls, url: str, **options: Any) -> AlarmStore:
        """A store on the ledger database at `url` (migrated by the ledger); connects lazily."""
        return cls(create_ledger_engine(url), **options)

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def apply(self, signal: AlarmSignal, now: datetime, new_id: str) -> tuple[Alarm, Change]:
        """Fold the signal into the open alarm of its key, or open one with id `new_id`."""
        with self._writer.begin() as connection:
            for _ in range(_FOLD_ATTEMPTS):
                current = connection.execute(
                    select(alarms)
                    .where(alarms.c["key"] == signal.key, alarms.c.state != "resolved")
                    .with_for_update()
                ).first()
                if current is not None:
                    folded = lifecycle.fold(_alarm(current), signal, self._max_event_ids)
                    self._save(connection, folded, now)
                    return folded, Change.FOLDED
                opened = lifecycle.open_alarm(signal, new_id, now)
                claimed = connection.execute(
                    self._upsert(alarms)
                    .values(_row(opened, now))
                    .on_conflict_do_nothing(index_elements=["key"], index_where=NOT_RESOLVED)
                    .returning(alarms.c.id)
                ).first()
                if claimed is not None:
                    self._record(connection, opened.id, now, SYSTEM_ACTOR, Change.OPENED, None,
                                 {"severity": opened.severity, "rule": opened.rule})
                    return opened, Change.OPENED
                # Another replica opened this key's alarm after our SELECT: fold into it.
        raise RuntimeError(f"could not open or fold an alarm for key {signal.key!r}")

    def escalate_due(self, now: datetime, max_level: int, limit: int = 100) -> list[Alarm]:
        """Escalate open alarms whose time has come; each is claimed by one replica only."""
        with self._writer.begin() as connection:
            rows = connection.execute(
                select(alarms)
                .where(alarms.c.state == "open", alarms.c.escalate_at <= now)
                .order_by(alarms.c.escalate_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            escalated = []
            for row in rows:
                alarm = lifecycle.escalate(_alarm(row), now, max_level)
                self._save(connection, alarm, now)
                self._record(connection, alarm.id, now, SYSTEM_ACTOR, Change.ESCALATED, None,
                             {"level": alarm.escalation_level, "severity": alarm.severity})
                escalated.append(alarm)
            return escalated

    def acknowledge(
        self, alarm_id: str, user: str, now: datetime, comment: str | None = None,
        assignee: str | None = None,
    ) -> Alarm:
        """Acknowledge (or re-assign); AlarmTransitionError if resolved."""
        return self._change(
            alarm_id, now, user, Change.ACKNOWLEDGED, comment,
            lambda a: lifecycle.acknowledge(a, user, now, comment, assignee),
            {"assignee": assignee} if assignee else None,
        )

    def resolve(self, alarm_id: str, user: str, now: datetime, comment: str | None = None) -> Alarm:
        """Resolve; AlarmTransitionError if already resolved."""
        return self._change(alarm_id, now, user, Change.RESOLVED, comment,
                            lambda a: lifecycle.resolve(a, user, now, comment))

    def comment(self, alarm_id: str, user: str, now: datetime, comment: str) -> Alarm:
        """Add a comment to the alarm's history (and make it the alarm's latest comment)."""
        return self._change(alarm_id, now, user, Change.COMMENTED, comment,
                            lambda a: lifecycle.add_comment(a, comment))

    def get(self, alarm_id: str) -> Alarm | None:
        """One alarm by id, or None."""
        with self._engine.begin() as connection:
            row = connection.execute(select(alarms).where(alarms.c.id == alarm_id)).first()
            return None if row is None else _alarm(row)

    def list_alarms(self, query: AlarmQuery) -> list[Alarm]:
        """Alarms matching `query`, newest first (by id, which sorts by opening time)."""
        statement = select(alarms).order_by(alarms.c.id.desc()).limit(query.limit)
        if query.state is not None:
            statement = statement.where(alarms.c.state == query.state)
        if query.site is not None:
            statement = statement.where(alarms.c.site == query.site)
        if query.sites is not None:
            statement = statement.where(alarms.c.site.in_(query.sites))
        if query.severity is not None:
            statement = statement.where(alarms.c.severity == query.severity)
        if query.before_id is not None:
            statement = statement.where(alarms.c.id < query.before_id)
        with self._engine.begin() as connection:
            return [_alarm(row) for row in connection.execute(statement)]

    def unresolved_counts(self) -> dict[tuple[str, str], int]:
        """How many alarms are open or acknowledged, by (state, severity); for /metrics."""
        statement = (
            select(alarms.c.state, alarms.c.severity, func.count())
            .where(alarms.c.state != "resolved")
            .group_by(alarms.c.state, alarms.c.severity)
        )
        with self._engine.begin() as connection:
            return {(state, severity): count for state, severity, count in
                    connection.execute(statement)}

    def history(self, alarm_id: str) -> list[AlarmAction]:
        """Everything done to an alarm, oldest first."""
        statement = (
            select(alarm_actions)
            .where(alarm_actions.c.alarm_id == alarm_id)
            .order_by(alarm_actions.c.id)
        )
        with self._engine.begin() as connection:
            return [
                AlarmAction(row.id, row.alarm_id, row.at, row.actor, row.action, row.comment,
                            dict(row.detail or {}))
                for row in connection.execute(statement)
            ]

    def _change(
        self, alarm_id: str, now: datetime, actor: str, change: Change, comment: str | None,
        step: Callable[[Alarm], Alarm], detail: dict[str, Any] | None = None,
    ) -> Alarm:
        with self._writer.begin() as connection:
            row = connection.execute(
                select(alarms).where(alarms.c.id == alarm_id).with_for_update()
            ).first()
            if row is None:
                raise AlarmNotFoundError(alarm_id)
            changed = step(_alarm(row))
            self._save(connection, changed, now)
            self._record(connection, alarm_id, now, actor, change, comment, detail)
            return changed

    def _save(self, connection: Connection, alarm: Alarm, now: datetime) -> None:
        connection.execute(update(alarms).where(alarms.c.id == alarm.id).values(_row(alarm, now)))

    def _record(
        self, connection: Connection, alarm_id: str, now: datetime, actor: str, change: Change,
        comment: str | None, detail: dict[str, Any] | None = None,
    ) -> None:
        connection.execute(insert(alarm_actions).values(
            alarm_id=alarm_id, at=now, actor=actor, action=change.value, comment=comment,
            detail=detail,
        ))


def _row(alarm: Alarm, now: datetime) -> dict[str, Any]:
    return {
        "id": alarm.id, "rule": alarm.rule, "type": alarm.type, "severity": alarm.severity,
        "site": alarm.site, "key": alarm.key, "state": alarm.state, "count": alarm.count,
        "first_seen": alarm.first_seen, "last_seen": alarm.last_seen,
        "opened_at": alarm.opened_at, "updated_at": now, "title": alarm.title[:300],
        "detail": alarm.detail, "event_ids": list(alarm.event_ids),
        "acknowledged_by": alarm.acknowledged_by, "acknowledged_at": alarm.acknowledged_at,
        "comment": alarm.comment, "assignee": alarm.assignee,
        "resolved_by": alarm.resolved_by, "resolved_at": alarm.resolved_at,
        "escalation_level": alarm.escalation_level, "escalated_at": alarm.escalated_at,
        "escalate_after_s": alarm.escalate_after_s, "escalate_at": alarm.escalate_at,
    }


def _alarm(row: Row[Any]) -> Alarm:
    values = dict(row._mapping)
    values.pop("updated_at")
    values["detail"] = dict(values["detail"] or {})
    values["event_ids"] = tuple(values["event_ids"] or ())
    return Alarm(**values)
