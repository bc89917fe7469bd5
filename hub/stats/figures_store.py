"""Daily enterprise figures in the ledger database: computed from events, kept per day."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Engine, select

from hub.ledger.engine import WRITE_OPTION
from hub.ledger.schema_stats import enterprise_daily
from hub.rules.context import BusinessHours
from hub.stats.daily import DailyFigures
from hub.stats.ledger_reads import day_figures
from hub.stats.sql import upsert


class FiguresStore:
    """`enterprise_daily`: one row per enterprise per local day. Thread-safe."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE_OPTION: True})
        self._upsert = upsert(engine.dialect.name, enterprise_daily)

    def recompute(
        self,
        site: str,
        day: date,
        timezone: str,
        hours: BusinessHours | None,
        enterprises: Iterable[str],
        now: datetime,
    ) -> list[DailyFigures]:
        """Compute a day's figures from the ledger and store them; registered enterprises
        without events get zeros, because a day nobody came is a figure too."""
        with self._engine.begin() as connection:
            found = {f.enterprise: f for f in day_figures(connection, site, day, timezone, hours)}
        for enterprise in enterprises:
            found.setdefault(enterprise, DailyFigures(site, enterprise, day))
        figures = sorted(found.values(), key=lambda f: f.enterprise)
        self.save(figures, now)
        return figures

    def save(self, figures: Iterable[DailyFigures], computed_at: datetime) -> None:
        """Add or replace the figures of (site, enterprise, day)."""
        rows = [_row(f, computed_at) for f in figures]
        if rows:
            with self._writer.begin() as connection:
                connection.execute(self._upsert, rows)

    def history(
        self, site: str, since: date, until: date, enterprise: str | None = None
    ) -> list[DailyFigures]:
        """Figures of a site's days since..until (inclusive), by enterprise and day."""
        c = enterprise_daily.c
        query = (
            select(enterprise_daily)
            .where(c.site == site, c.day >= since, c.day <= until)
            .order_by(c.enterprise, c.day)
        )
        if enterprise is not None:
            query = query.where(c.enterprise == enterprise)
        with self._engine.begin() as connection:
            return [
                DailyFigures(r.site, r.enterprise, r.day, r.headcount, r.visitors, r.entries,
                             r.after_hours_entries, r.denied)
                for r in connection.execute(query)
            ]


def _row(figures: DailyFigures, computed_at: datetime) -> dict[str, object]:
    return {
        "site": figures.site, "enterprise": figures.enterprise, "day": figures.day,
        "headcount": figures.headcount, "visitors": figures.visitors,
        "entries": figures.entries, "after_hours_entries": figures.after_hours_entries,
        "denied": figures.denied, "computed_at": computed_at,
    }
