"""SQL over the ledger's events for the derived figures: the day's passages, daily figures."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, and_, case, cast, distinct, false, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB

from hub.ledger.schema import events
from hub.rules.context import BusinessHours
from hub.stats.daily import DailyFigures, day_bounds, open_intervals
from hub.stats.occupancy import Passage, SitePlan

_PASSAGE_KINDS = ("access", "place_scan", "camera")


def json_text(column: Any, key: str, dialect: str) -> Any:
    """A top-level field of a JSON text column, as text, in the dialect's own syntax."""
    if dialect == "postgresql":
        return cast(column, JSONB)[key].astext
    return func.json_extract(column, f"$.{key}")


def read_passages(
    connection: Connection, plans: Mapping[str, SitePlan], now: datetime
) -> list[Passage]:
    """Passages through each site's counting devices since its local midnight, in time order."""
    found: list[Passage] = []
    for plan in plans.values():
        if not plan.devices:
            continue
        start, _ = day_bounds(plan.local_date(now), plan.timezone)
        rows = connection.execute(
            select(events.c.id, events.c.device, events.c.kind, events.c.ts, events.c.result,
                   events.c.body)
            .where(events.c.site == plan.site, events.c.ts >= start,
                   events.c.kind.in_(_PASSAGE_KINDS), events.c.device.in_(list(plan.devices)))
            .order_by(events.c.ts, events.c.id)
        )
        found += [_passage(plan.site, row) for row in rows]
    found.sort(key=lambda p: p.ts)
    return found


def _passage(site: str, row: Any) -> Passage:
    if row.kind == "place_scan":
        return Passage(row.id, site, row.device, row.kind, row.ts, row.result)
    body = orjson.loads(row.body)
    return Passage(
        row.id, site, row.device, row.kind, row.ts, row.result, body.get("direction"),
        int(body.get("in") or 0), int(body.get("out") or 0),
    )


def day_figures(
    connection: Connection, site: str, day: date, timezone: str, hours: BusinessHours | None
) -> list[DailyFigures]:
    """Each enterprise's figures of a site's local day, from events enriched with it."""
    c = events.c
    start, end = day_bounds(day, timezone)
    direction = json_text(c.body, "direction", connection.dialect.name)
    access, scan = c.kind == "access", c.kind == "place_scan"
    active = or_(and_(access, c.result == "granted"), scan)
    entry = or_(and_(access, c.result == "granted", direction == "in"),
                and_(scan, c.result == "pass"))
    denied = or_(and_(access, c.result == "denied"), and_(scan, c.result == "deny"))
    intervals = open_intervals(day, hours) if hours is not None else []
    # No business hours known for the site: nothing can be called after hours.
    is_open = or_(*(and_(c.ts >= a, c.ts < b) for a, b in intervals)) if intervals else (
        false() if hours is not None else c.ts.is_not(None)
    )
    query = (
        select(
            c.enterprise,
            func.count(distinct(case((and_(active, c.person_type == "employee"), c.subject)))),
            func.count(distinct(case((and_(active, c.person_type == "visitor"), c.subject)))),
            func.sum(case((entry, 1), else_=0)),
            func.sum(case((and_(entry, ~is_open), 1), else_=0)),
            func.sum(case((denied, 1), else_=0)),
        )
        .where(c.site == site, c.ts >= start, c.ts < end, c.enterprise.is_not(None),
               c.kind.in_(("access", "place_scan")))
        .group_by(c.enterprise)
    )
    return [
        DailyFigures(site, row[0], day, int(row[1]), int(row[2]), int(row[3] or 0),
                     int(row[4] or 0), int(row[5] or 0))
        for row in connection.execute(query)
    ]
