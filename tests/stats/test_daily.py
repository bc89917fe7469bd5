"""A site's local day and its opening hours in UTC (pure), as the daily figures use them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from hub.rules.context import BusinessHours
from hub.stats.daily import DailyFigures, day_bounds, open_intervals


def utc(*parts: int) -> datetime:
    """A UTC time."""
    return datetime(*parts, tzinfo=UTC)


MONDAY, SATURDAY = date(2026, 11, 23), date(2026, 11, 28)


def test_a_local_day_in_utc_and_on_a_clock_change() -> None:
    assert day_bounds(MONDAY, "Asia/Shanghai") == (utc(2026, 11, 22, 16), utc(2026, 11, 23, 16))
    start, end = day_bounds(date(2026, 3, 29), "Europe/Berlin")  # clocks go forward
    assert (end - start).total_seconds() == 23 * 3600


def test_open_hours_match_what_the_after_hours_rules_call_open() -> None:
    office = BusinessHours(time(7), time(20), "Asia/Shanghai", frozenset(range(5)))
    assert open_intervals(MONDAY, office) == [(utc(2026, 11, 22, 23), utc(2026, 11, 23, 12))]
    assert open_intervals(SATURDAY, office) == []
    night = BusinessHours(time(22), time(6), "Asia/Shanghai", frozenset(range(7)))
    assert open_intervals(MONDAY, night) == [
        (utc(2026, 11, 22, 16), utc(2026, 11, 22, 22)),
        (utc(2026, 11, 23, 14), utc(2026, 11, 23, 16)),
    ]
    for hours in (office, night):
        for hour in range(0, 24):
            ts = utc(2026, 11, 22, 16) + (utc(2026, 1, 1, hour) - utc(2026, 1, 1))
            inside = any(a <= ts < b for a, b in open_intervals(MONDAY, hours))
            assert inside == hours.contains(ts), (hours, ts)


def test_rates_of_a_day() -> None:
    figures = DailyFigures("park", "acme", MONDAY, entries=6, after_hours_entries=3, denied=2)
    assert (figures.attempts, figures.denied_rate, figures.after_hours_share) == (8, 0.25, 0.5)
    assert DailyFigures("park", "acme", MONDAY).denied_rate is None
