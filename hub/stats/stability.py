"""The five-colour stability assessment of an enterprise (pure): rules in, colour and reasons out.

Each rule looks at one signal (head-count, rent, disputes, complaints, denials, after-hours
entries, the lease) and gives the colour of the highest level it reaches; the worst wins.
A manual override, while it lasts, takes precedence over the assessment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from hub.rules.model import Colour
from hub.stats.colours import rank, worst
from hub.stats.daily import DailyFigures
from hub.stats.stability_model import (
    AfterHoursShareRule,
    ComplaintsRule,
    DeniedRateRule,
    HeadcountDropRule,
    LeaseExpiredRule,
    OpenDisputesRule,
    RentOverdueRule,
    StabilityRule,
)
from hub.stats.tenant_records import TenantRecords


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an enterprise has a colour: the rule, the colour it gave, in words."""

    rule: str
    colour: Colour
    text: str


@dataclass(frozen=True)
class EnterpriseFacts:
    """What the assessment of one enterprise looks at, as of `today` (site-local)."""

    site: str
    enterprise: str
    today: date
    daily: Sequence[DailyFigures] = ()
    records: TenantRecords = field(default_factory=TenantRecords)
    lease_end: date | None = None


@dataclass(frozen=True)
class Assessment:
    """The colour the rules give, and every rule that gave one, worst first."""

    colour: Colour
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Override:
    """A colour set by hand, with who set it, why, and until when (None: until cleared)."""

    colour: Colour
    reason: str
    by: str
    at: datetime
    until: datetime | None = None

    def active(self, now: datetime) -> bool:
        """Whether the override is still in force at `now`."""
        return self.until is None or now < self.until


def effective_colour(
    assessed: Colour, override: Override | None, now: datetime
) -> tuple[Colour, Literal["assessment", "override"]]:
    """The colour in force: an active override's, else the assessment's."""
    if override is not None and override.active(now):
        return override.colour, "override"
    return assessed, "assessment"


def assess(facts: EnterpriseFacts, rules: Sequence[StabilityRule]) -> Assessment:
    """Apply every enabled rule; the worst colour wins, reasons listed worst first."""
    reasons = [
        reason for rule in rules if rule.enabled
        if (reason := _CHECKS[rule.type](rule, facts)) is not None
    ]
    reasons.sort(key=lambda r: -rank(r.colour))
    return Assessment(worst(r.colour for r in reasons), tuple(reasons))


def _level(levels: Sequence[Any], value: float, strictly_over: bool = False) -> Colour | None:
    """The colour of the highest level `value` reaches; None below the first."""
    reached = [
        lvl.colour for lvl in levels
        if (value > lvl.threshold if strictly_over else value >= lvl.threshold)
    ]
    return reached[-1] if reached else None


def _days(facts: EnterpriseFacts, first: date, last: date) -> list[DailyFigures]:
    return [f for f in facts.daily if first <= f.day <= last]


def _headcount_drop(rule: HeadcountDropRule, facts: EnterpriseFacts) -> Reason | None:
    # Today is left out: its figures are not complete until the day is over.
    yesterday = facts.today - timedelta(days=1)
    window = timedelta(days=rule.window_days)
    recent = _days(facts, yesterday - window + timedelta(days=1), yesterday)
    earlier = _days(facts, yesterday - 2 * window + timedelta(days=1), yesterday - window)
    if len(recent) < rule.min_days or len(earlier) < rule.min_days:
        return None
    now_mean = sum(f.headcount for f in recent) / len(recent)
    before = sum(f.headcount for f in earlier) / len(earlier)
    if before <= 0 or before < rule.min_previous_mean:
        return None
    drop = 1 - now_mean / before
    colour = _level(rule.levels, drop)
    if colour is None:
        return None
    return Reason(rule.name, colour, f"head-count down {drop:.0%} over {rule.window_days} days "
                  f"(mean {now_mean:.1f} a day, was {before:.1f})")


def _rent_overdue(rule: RentOverdueRule, facts: EnterpriseFacts) -> Reason | None:
    unpaid = [(p.overdue_days(facts.today), p) for p in facts.records.rent]
    unpaid = [(days, p) for days, p in unpaid if days > 0]
    if not unpaid:
        return None
    days, oldest = max(unpaid, key=lambda pair: pair[0])
    colour = _level(rule.levels, days, strictly_over=True)
    if colour is None:
        return None
    more = f"; {len(unpaid)} payments overdue" if len(unpaid) > 1 else ""
    return Reason(rule.name, colour, f"rent overdue {days} days (due {oldest.due_date}, "
                  f"{oldest.amount}){more}")


def _open_disputes(rule: OpenDisputesRule, facts: EnterpriseFacts) -> Reason | None:
    today = facts.today
    open_now = [
        d for d in facts.records.disputes
        if d.opened_on <= today and (d.resolved_on is None or d.resolved_on > today)
        and (not rule.kinds or d.kind in rule.kinds)
    ]
    colour = _level(rule.levels, len(open_now))
    if colour is None:
        return None
    kinds = ", ".join(sorted({d.kind for d in open_now}))
    noun = "dispute" if len(open_now) == 1 else "disputes"
    return Reason(rule.name, colour, f"{len(open_now)} {noun} open ({kinds})")


def _complaints(rule: ComplaintsRule, facts: EnterpriseFacts) -> Reason | None:
    since = facts.today - timedelta(days=rule.window_days)
    recent = [c for c in facts.records.complaints if since < c.received_on <= facts.today]
    colour = _level(rule.levels, len(recent))
    if colour is None:
        return None
    still_open = sum(1 for c in recent if c.closed_on is None)
    return Reason(rule.name, colour, f"{len(recent)} complaints in {rule.window_days} days "
                  f"({still_open} open)")


def _window(facts: EnterpriseFacts, window_days: int) -> list[DailyFigures]:
    return _days(facts, facts.today - timedelta(days=window_days - 1), facts.today)


def _denied_rate(rule: DeniedRateRule, facts: EnterpriseFacts) -> Reason | None:
    days = _window(facts, rule.window_days)
    denied, attempts = sum(f.denied for f in days), sum(f.attempts for f in days)
    if attempts < rule.min_attempts:
        return None
    colour = _level(rule.levels, denied / attempts)
    if colour is None:
        return None
    return Reason(rule.name, colour, f"denied rate {denied / attempts:.0%} over "
                  f"{rule.window_days} days ({denied} of {attempts} attempts)")


def _after_hours(rule: AfterHoursShareRule, facts: EnterpriseFacts) -> Reason | None:
    days = _window(facts, rule.window_days)
    late, entries = sum(f.after_hours_entries for f in days), sum(f.entries for f in days)
    if entries < rule.min_entries:
        return None
    colour = _level(rule.levels, late / entries)
    if colour is None:
        return None
    return Reason(rule.name, colour, f"after-hours entries {late / entries:.0%} over "
                  f"{rule.window_days} days ({late} of {entries})")


def _lease_expired(rule: LeaseExpiredRule, facts: EnterpriseFacts) -> Reason | None:
    if facts.lease_end is None or facts.lease_end >= facts.today:
        return None
    days = (facts.today - facts.lease_end).days
    colour = _level(rule.levels, days, strictly_over=True)
    if colour is None:
        return None
    return Reason(rule.name, colour, f"lease ended {facts.lease_end} ({days} days ago)")


_CHECKS: dict[str, Callable[[Any, EnterpriseFacts], Reason | None]] = {
    "headcount_drop": _headcount_drop,
    "rent_overdue": _rent_overdue,
    "open_disputes": _open_disputes,
    "complaints": _complaints,
    "denied_rate": _denied_rate,
    "after_hours_share": _after_hours,
    "lease_expired": _lease_expired,
}
