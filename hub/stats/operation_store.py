"""How a site was operated, in the ledger database: status history, camera samples, and
the reads the site grade is measured from (alarms, gateways, cameras)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, desc, insert, or_, select

from hub.ledger.engine import WRITE_OPTION
from hub.ledger.schema import gateways
from hub.ledger.schema_alarms import alarms
from hub.ledger.schema_stats import camera_samples, gateway_status_log
from hub.records import StatusRecord
from hub.stats.sql import insert_ignore
from hub.stats.uptime import sample_uptime, state_uptime

_ALARM_SCAN = 2000  # recent alarms of a site looked through for an enterprise's


@dataclass(frozen=True, slots=True)
class CameraSample:
    """One camera's `online` flag from one health report."""

    site: str
    gateway: str
    camera: str
    at: datetime
    online: bool


@dataclass(frozen=True, slots=True)
class AlarmSummary:
    """An alarm as a dossier lists it."""

    id: str
    rule: str
    severity: str
    state: str
    title: str
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None


@dataclass(frozen=True)
class MeasuredOperation:
    """The raw measures of a site over a window, before grading."""

    response_times_s: list[float]
    open_alarms_opened_at: list[datetime]
    gateway_uptime: dict[str, float | None]
    camera_uptime: dict[str, float | None]


class OperationStore:
    """Status history and camera samples, and the grade's measures. Thread-safe."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE_OPTION: True})
        self._insert_sample = insert_ignore(engine.dialect.name, camera_samples)

    def record_statuses(self, statuses: Sequence[StatusRecord]) -> int:
        """Log the statuses that change their gateway's state; how many were changes."""
        if not statuses:
            return 0
        changes = 0
        with self._writer.begin() as connection:
            for status in statuses:
                state = status.status.state
                if _last_state(connection, status.site, status.gateway) != state:
                    connection.execute(insert(gateway_status_log).values(
                        site=status.site, gateway=status.gateway, at=status.received_at,
                        state=state))
                    changes += 1
        return changes

    def record_samples(self, samples: Sequence[CameraSample]) -> None:
        """Store camera samples (a sample of the same camera and time is stored once)."""
        if samples:
            with self._writer.begin() as connection:
                connection.execute(self._insert_sample, [
                    {"site": s.site, "gateway": s.gateway, "camera": s.camera, "at": s.at,
                     "online": s.online}
                    for s in samples
                ])

    def prune_samples(self, before: datetime) -> int:
        """Delete camera samples older than `before`; how many went."""
        with self._writer.begin() as connection:
            result = connection.execute(delete(camera_samples).where(camera_samples.c.at < before))
            return int(result.rowcount)

    def measure(self, site: str, start: datetime, end: datetime) -> MeasuredOperation:
        """Alarm responses, open alarms and uptimes of a site over [start, end)."""
        with self._engine.begin() as connection:
            return MeasuredOperation(
                response_times_s=_response_times(connection, site, start, end),
                open_alarms_opened_at=list(connection.execute(
                    select(alarms.c.opened_at)
                    .where(alarms.c.site == site, alarms.c.state != "resolved")
                ).scalars()),
                gateway_uptime={
                    gateway: state_uptime(_changes(connection, site, gateway, start, end),
                                          start, end)
                    for gateway in _gateways(connection, site)
                },
                camera_uptime=_camera_uptime(connection, site, start, end),
            )


    def enterprise_alarms(
        self, site: str, enterprise: str, since: datetime, limit: int = 20
    ) -> list[AlarmSummary]:
        """Alarms of a site since `since` whose detail names the enterprise, newest first."""
        c = alarms.c
        # The enterprise is in each alarm's JSON detail, not a column: scan the site's
        # recent alarms (bounded) rather than query JSON two dialects spell differently.
        query = (
            select(c.id, c.rule, c.severity, c.state, c.title, c.opened_at, c.acknowledged_at,
                   c.resolved_at, c.detail)
            .where(c.site == site, c.opened_at >= since)
            .order_by(c.id.desc()).limit(_ALARM_SCAN)
        )
        with self._engine.begin() as connection:
            rows = connection.execute(query).all()
        return [
            AlarmSummary(r.id, r.rule, r.severity, r.state, r.title, r.opened_at,
                         r.acknowledged_at, r.resolved_at)
            for r in rows if (r.detail or {}).get("enterprise") == enterprise
        ][:limit]


def _last_state(connection: Connection, site: str, gateway: str) -> str | None:
    c = gateway_status_log.c
    return connection.execute(
        select(c.state).where(c.site == site, c.gateway == gateway)
        .order_by(desc(c.at), desc(c.id)).limit(1)
    ).scalar_one_or_none()


def _response_times(
    connection: Connection, site: str, start: datetime, end: datetime
) -> list[float]:
    c = alarms.c
    rows = connection.execute(
        select(c.opened_at, c.acknowledged_at, c.resolved_at).where(
            c.site == site, c.opened_at >= start, c.opened_at < end,
            or_(c.acknowledged_at.is_not(None), c.resolved_at.is_not(None)),
        )
    )
    # Resolving an alarm nobody acknowledged answers it too.
    return [((row.acknowledged_at or row.resolved_at) - row.opened_at).total_seconds()
            for row in rows]


def _gateways(connection: Connection, site: str) -> list[str]:
    known = set(connection.execute(select(gateways.c.gateway).where(gateways.c.site == site))
                .scalars())
    logged = select(gateway_status_log.c.gateway).where(gateway_status_log.c.site == site)
    known.update(connection.execute(logged.distinct()).scalars())
    return sorted(known)


def _changes(
    connection: Connection, site: str, gateway: str, start: datetime, end: datetime
) -> list[tuple[datetime, str]]:
    """The gateway's changes in the window, after the last one before it (its state then)."""
    c = gateway_status_log.c
    mine = (c.site == site, c.gateway == gateway)
    before = connection.execute(
        select(c.at, c.state).where(*mine, c.at <= start)
        .order_by(desc(c.at), desc(c.id)).limit(1)
    ).first()
    during = connection.execute(
        select(c.at, c.state).where(*mine, c.at > start, c.at < end).order_by(c.at, c.id)
    ).all()
    rows: Iterable[tuple[datetime, str]] = [
        *([(before.at, before.state)] if before else []),
        *((row.at, row.state) for row in during),
    ]
    return list(rows)


def _camera_uptime(
    connection: Connection, site: str, start: datetime, end: datetime
) -> dict[str, float | None]:
    c = camera_samples.c
    samples: dict[str, list[bool]] = {}
    query = select(c.camera, c.online).where(c.site == site, c.at >= start, c.at < end)
    for camera, online in connection.execute(query):
        samples.setdefault(camera, []).append(bool(online))
    return {camera: sample_uptime(flags) for camera, flags in sorted(samples.items())}
