"""An enterprise's figures of one day, and the site's local day and opening hours in UTC.

Pure: values in, values out. A day is the site's local calendar day; business hours are
the rule context's (the same hours the after-hours rules judge by), so "after hours"
means one thing across alarms and figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hub.rules.context import BusinessHours

Interval = tuple[datetime, datetime]  # [start, end) in UTC


@dataclass(frozen=True, slots=True)
class DailyFigures:
    """One enterprise on one local day: who was active, how often they came, denials."""

    site: str
    enterprise: str
    day: date
    headcount: int = 0  # distinct employees active (granted access or a scan)
    visitors: int = 0  # distinct visitors active
    entries: int = 0  # granted entries: access `in`, or a passing place scan
    after_hours_entries: int = 0  # entries outside the site's business hours
    denied: int = 0  # access denied, or a place scan's verdict `deny`

    @property
    def attempts(self) -> int:
        """Entries and denials: what the denied rate is a share of."""
        return self.entries + self.denied

    @property
    def denied_rate(self) -> float | None:
        """Share of attempts denied; None without attempts."""
        return self.denied / self.attempts if self.attempts else None

    @property
    def after_hours_share(self) -> float | None:
        """Share of entries made after hours; None without entries."""
        return self.after_hours_entries / self.entries if self.entries else None


def day_bounds(day: date, timezone: str) -> Interval:
    """The UTC interval of a local calendar day (23 or 25 hours on a clock change)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return _utc(start), _utc(end)


def open_intervals(day: date, hours: BusinessHours) -> list[Interval]:
    """When the site is open on a local day, in UTC; empty on a closed day.

    Matches BusinessHours.contains: hours that span midnight are open before `end` and
    from `start` on each open day.
    """
    if day.weekday() not in hours.days:
        return []
    zone = ZoneInfo(hours.tz)
    midnight = datetime.combine(day, time(0), zone)
    next_midnight = datetime.combine(day + timedelta(days=1), time(0), zone)
    if hours.start == hours.end:
        return [(_utc(midnight), _utc(next_midnight))]
    start = datetime.combine(day, hours.start, zone)
    end = datetime.combine(day, hours.end, zone)
    if hours.start < hours.end:
        return [(_utc(start), _utc(end))]
    return [(_utc(midnight), _utc(end)), (_utc(start), _utc(next_midnight))]


def local_today(now: datetime, timezone: str) -> date:
    """The site's calendar date at `now`."""
    return now.astimezone(ZoneInfo(timezone)).date()


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
