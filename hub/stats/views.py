"""What the API shows of enterprises: the board (colours and trends) and one dossier."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hub.rules.model import Colour
from hub.stats.colour_store import ColourChange, ColourRecord
from hub.stats.daily import DailyFigures, local_today
from hub.stats.operation_store import AlarmSummary
from hub.stats.service import StatsService
from hub.stats.stability import effective_colour
from hub.stats.stability_model import HeadcountDropRule
from hub.stats.tenant_records import TenantRecords
from sitewatch.registry import Enterprise

_DOSSIER_DAYS = 30


@dataclass(frozen=True)
class HeadcountTrend:
    """Head-count of today, and the mean of the last window against the window before."""

    today: int
    window_days: int
    recent_mean: float | None
    previous_mean: float | None

    @property
    def change(self) -> float | None:
        """Relative change of the mean (-0.6: down 60%); None if not comparable."""
        if self.recent_mean is None or not self.previous_mean:
            return None
        return self.recent_mean / self.previous_mean - 1


@dataclass(frozen=True)
class BoardEntry:
    """One enterprise on the board."""

    site: str
    enterprise: Enterprise
    colour: ColourRecord | None  # None: not assessed yet
    in_force: Colour | None
    trend: HeadcountTrend


@dataclass(frozen=True)
class Dossier:
    """Everything the hub knows of one enterprise."""

    site: str
    enterprise: Enterprise
    colour: ColourRecord | None
    in_force: Colour | None
    history: list[ColourChange]
    daily: list[DailyFigures]
    records: TenantRecords
    alarms: list[AlarmSummary]
    trend: HeadcountTrend


def trend_window(stats: StatsService) -> int:
    """The head-count rule's window, so the board shows what the colour judges."""
    rule = next((r for r in stats.stability_rules if isinstance(r, HeadcountDropRule)), None)
    return 14 if rule is None else rule.window_days


def headcount_trend(figures: Sequence[DailyFigures], today: date, window: int) -> HeadcountTrend:
    """The trend of one enterprise's figures (today left out of the means)."""
    by_day = {f.day: f.headcount for f in figures}

    def mean(first: int, last: int) -> float | None:
        """Mean head-count of the days `first`..`last` before today that have figures."""
        days = [by_day[d] for n in range(first, last + 1)
                if (d := today - timedelta(days=n)) in by_day]
        return sum(days) / len(days) if days else None

    return HeadcountTrend(by_day.get(today, 0), window, mean(1, window),
                          mean(window + 1, 2 * window))


def in_force(record: ColourRecord | None, now: datetime) -> Colour | None:
    """The colour a record puts in force at `now` (an expired override no longer counts)."""
    if record is None:
        return None
    return effective_colour(record.assessed_colour, record.override, now)[0]


def board(stats: StatsService, sites: Iterable[str]) -> list[BoardEntry]:
    """Every registered enterprise of these sites, by site and id."""
    snapshot = stats.live.current
    window = trend_window(stats)
    entries = []
    now = stats.clock()
    for site in sorted(set(sites) & set(snapshot.sites)):
        lookup = snapshot.sites[site]
        today = local_today(now, lookup.site.timezone)
        daily = stats.figures.history(site, today - timedelta(days=2 * window), today)
        records = {r.enterprise: r for r in stats.colours.records([site])}
        for enterprise in sorted(lookup.enterprises.values(), key=lambda e: e.id):
            mine = [f for f in daily if f.enterprise == enterprise.id]
            entries.append(BoardEntry(
                site, enterprise, records.get(enterprise.id),
                in_force(records.get(enterprise.id), now),
                headcount_trend(mine, today, window),
            ))
    return entries


def dossier(stats: StatsService, site: str, enterprise_id: str) -> Dossier | None:
    """One enterprise's dossier; None if the registry does not know it."""
    lookup = stats.live.current.sites.get(site)
    enterprise = None if lookup is None else lookup.enterprises.get(enterprise_id)
    if lookup is None or enterprise is None:
        return None
    now = stats.clock()
    today = local_today(now, lookup.site.timezone)
    window = trend_window(stats)
    since = today - timedelta(days=max(_DOSSIER_DAYS, 2 * window))
    figures = stats.figures.history(site, since, today, enterprise_id)
    colour = stats.colours.get(site, enterprise_id)
    return Dossier(
        site=site,
        enterprise=enterprise,
        colour=colour,
        in_force=in_force(colour, now),
        history=stats.colours.history(site, enterprise_id),
        daily=[f for f in figures if f.day > today - timedelta(days=_DOSSIER_DAYS)],
        records=stats.tenants.records(site, enterprise_id),
        alarms=stats.operation.enterprise_alarms(
            site, enterprise_id, now - timedelta(days=_DOSSIER_DAYS)),
        trend=headcount_trend(figures, today, window),
    )
