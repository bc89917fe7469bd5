"""Response and request schemas of occupancy, site grades, and enterprises' colours and dossiers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hub.rules.model import Colour
from hub.stats.colour_store import ColourChange, ColourRecord
from hub.stats.daily import DailyFigures
from hub.stats.grading import SiteGrade
from hub.stats.occupancy import SiteOccupancy
from hub.stats.operation_store import AlarmSummary
from hub.stats.stability import Override, Reason
from hub.stats.tenant_records import TenantRecords
from hub.stats.views import BoardEntry, Dossier, HeadcountTrend


class BuildingOccupancyOut(BaseModel):
    """Persons in one building now."""

    building: str
    persons: int | None = Field(description="null: no source of truth counts this building")
    capacity: int | None
    source: str | None = Field(description="access, camera or place_scan")


class SiteOccupancyOut(BaseModel):
    """Persons on a site and in its buildings now."""

    site: str
    persons: int
    source: str = Field(description="grounds (outer gates count) or buildings (their sum)")
    buildings: list[BuildingOccupancyOut]

    @classmethod
    def of(cls, found: SiteOccupancy) -> SiteOccupancyOut:
        """From the stats service's figures."""
        return cls(site=found.site, persons=found.persons, source=found.source, buildings=[
            BuildingOccupancyOut(building=b.building, persons=b.persons, capacity=b.capacity,
                                 source=b.source)
            for b in found.buildings
        ])


class OccupancyOut(BaseModel):
    """Occupancy of the sites the caller may see."""

    at: datetime
    sites: list[SiteOccupancyOut]


class FindingOut(BaseModel):
    """Why a site lost points."""

    reason: str
    points: float


class GradeOut(BaseModel):
    """A site's grade over its window, with the reasons."""

    site: str
    grade: str = Field(description="excellent, good, general, pass or poor")
    score: float = Field(description="100 less the points of the findings")
    start: datetime
    end: datetime
    reasons: list[FindingOut]

    @classmethod
    def of(cls, grade: SiteGrade) -> GradeOut:
        """From the computed grade."""
        return cls(site=grade.site, grade=grade.grade, score=grade.score, start=grade.start,
                   end=grade.end, reasons=[FindingOut(reason=f.reason, points=f.points)
                                           for f in grade.findings])


class ReasonOut(BaseModel):
    """A rule that gave a colour, and why."""

    rule: str
    colour: Colour
    text: str

    @classmethod
    def of(cls, reason: Reason) -> ReasonOut:
        """From the assessment's reason."""
        return cls(rule=reason.rule, colour=reason.colour, text=reason.text)


class OverrideOut(BaseModel):
    """A colour set by hand."""

    colour: Colour
    reason: str
    by: str
    at: datetime
    until: datetime | None

    @classmethod
    def of(cls, override: Override | None) -> OverrideOut | None:
        """From the store's override, if any."""
        if override is None:
            return None
        return cls(colour=override.colour, reason=override.reason, by=override.by,
                   at=override.at, until=override.until)


class ColourOut(BaseModel):
    """An enterprise's colour in force, the assessed one, its reasons and any override."""

    site: str
    enterprise: str
    colour: Colour | None = Field(description="in force; null if never assessed")
    assessed_colour: Colour | None
    reasons: list[ReasonOut]
    assessed_at: datetime | None
    override: OverrideOut | None

    @classmethod
    def of(cls, site: str, enterprise: str, record: ColourRecord | None,
           in_force: Colour | None) -> ColourOut:
        """From the stored record (None: not assessed yet)."""
        if record is None:
            return cls(site=site, enterprise=enterprise, colour=None, assessed_colour=None,
                       reasons=[], assessed_at=None, override=None)
        return cls(site=site, enterprise=enterprise, colour=in_force,
                   assessed_colour=record.assessed_colour,
                   reasons=[ReasonOut.of(r) for r in record.reasons],
                   assessed_at=record.assessed_at, override=OverrideOut.of(record.override))


class TrendOut(BaseModel):
    """Head-count today and the mean of the last window against the window before."""

    today: int
    window_days: int
    recent_mean: float | None
    previous_mean: float | None
    change: float | None = Field(description="relative change of the mean, -0.6: down 60%")

    @classmethod
    def of(cls, trend: HeadcountTrend) -> TrendOut:
        """From the computed trend."""
        return cls(today=trend.today, window_days=trend.window_days,
                   recent_mean=trend.recent_mean, previous_mean=trend.previous_mean,
                   change=trend.change)


class BoardEntryOut(BaseModel):
    """One enterprise on the board."""

    site: str
    enterprise: str
    name: str
    building: str
    floor: int
    colour: ColourOut
    headcount: TrendOut

    @classmethod
    def of(cls, entry: BoardEntry) -> BoardEntryOut:
        """From the board's entry."""
        e = entry.enterprise
        return cls(site=entry.site, enterprise=e.id, name=e.name, building=e.building,
                   floor=e.floor, colour=ColourOut.of(entry.site, e.id, entry.colour,
                                                      entry.in_force),
                   headcount=TrendOut.of(entry.trend))


class ColourChangeOut(BaseModel):
    """One entry of the colour history."""

    at: datetime
    colour: Colour
    previous: Colour | None
    source: str = Field(description="assessment, override, override_cleared, override_expired")
    actor: str | None
    reasons: list[dict[str, Any]]

    @classmethod
    def of(cls, change: ColourChange) -> ColourChangeOut:
        """From the store's history entry."""
        return cls(at=change.at, colour=change.colour, previous=change.previous,
                   source=change.source, actor=change.actor, reasons=change.reasons)


class DailyOut(BaseModel):
    """One day's figures of an enterprise."""

    day: date
    headcount: int
    visitors: int
    entries: int
    after_hours_entries: int
    denied: int
    denied_rate: float | None

    @classmethod
    def of(cls, f: DailyFigures) -> DailyOut:
        """From the stored figures."""
        return cls(day=f.day, headcount=f.headcount, visitors=f.visitors, entries=f.entries,
                   after_hours_entries=f.after_hours_entries, denied=f.denied,
                   denied_rate=f.denied_rate)


class AlarmSummaryOut(BaseModel):
    """An alarm naming the enterprise."""

    id: str
    rule: str
    severity: str
    state: str
    title: str
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None

    @classmethod
    def of(cls, a: AlarmSummary) -> AlarmSummaryOut:
        """From the store's summary."""
        return cls(id=a.id, rule=a.rule, severity=a.severity, state=a.state, title=a.title,
                   opened_at=a.opened_at, acknowledged_at=a.acknowledged_at,
                   resolved_at=a.resolved_at)


class DossierOut(BaseModel):
    """Everything the hub knows of one enterprise."""

    site: str
    enterprise: dict[str, Any] = Field(description="the registry's record")
    colour: ColourOut
    colour_history: list[ColourChangeOut]
    headcount: TrendOut
    daily: list[DailyOut] = Field(description="figures of the last 30 days, oldest first")
    rent: list[dict[str, Any]]
    complaints: list[dict[str, Any]]
    disputes: list[dict[str, Any]]
    alarms: list[AlarmSummaryOut] = Field(description="alarms naming it, last 30 days")

    @classmethod
    def of(cls, d: Dossier) -> DossierOut:
        """From the assembled dossier."""
        records: TenantRecords = d.records
        return cls(
            site=d.site, enterprise=d.enterprise.model_dump(mode="json"),
            colour=ColourOut.of(d.site, d.enterprise.id, d.colour, d.in_force),
            colour_history=[ColourChangeOut.of(c) for c in d.history],
            headcount=TrendOut.of(d.trend), daily=[DailyOut.of(f) for f in d.daily],
            rent=[r.model_dump(mode="json") for r in records.rent],
            complaints=[c.model_dump(mode="json") for c in records.complaints],
            disputes=[x.model_dump(mode="json") for x in records.disputes],
            alarms=[AlarmSummaryOut.of(a) for a in d.alarms],
        )


class ColourOverrideIn(BaseModel):
    """A colour set by hand, why, and until when (null: until cleared)."""

    model_config = ConfigDict(extra="forbid")

    colour: Colour
    reason: str = Field(min_length=3, max_length=500, description="why; shown with the colour")
    until: datetime | None = Field(None, description="when the override ends, with an offset")
