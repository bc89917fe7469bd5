"""The site grade from measured operation (pure): 100 points, less each finding's, graded.

Every finding says why it cost points ("3 alarms unresolved for >24 h", "gate east-gate
has no camera"); what could not be measured (no alarms, no status history) costs
nothing and is listed with 0 points, so a good grade from missing data is visible.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Literal

from hub.stats.grading_model import GradingRules, Uptime

Grade = Literal["excellent", "good", "general", "pass", "poor"]


@dataclass(frozen=True, slots=True)
class Finding:
    """Why a site lost points (or 0 points, for what could not be measured)."""

    reason: str
    points: float


@dataclass(frozen=True)
class SiteOperation:
    """What was measured of a site over the window."""

    site: str
    start: datetime
    end: datetime
    response_times_s: Sequence[float]  # alarms opened in the window and answered
    open_alarms_opened_at: Sequence[datetime]  # alarms not resolved, whenever opened
    gateway_uptime: Mapping[str, float | None]  # None: no status history
    camera_uptime: Mapping[str, float | None]  # None: no samples
    gates_without_camera: Sequence[str]


@dataclass(frozen=True)
class SiteGrade:
    """A site's grade, its score, and the findings that made it."""

    site: str
    grade: Grade
    score: float
    findings: tuple[Finding, ...]
    start: datetime
    end: datetime


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile `q` (0..1) of non-empty `values`."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def grade_site(operation: SiteOperation, rules: GradingRules) -> SiteGrade:
    """Grade a site's operation against the rules' thresholds."""
    findings = [
        *_responses(operation.response_times_s, rules),
        *_unresolved(operation, rules),
        *_uptime("gateway", operation.gateway_uptime, rules.gateway_uptime),
        *_uptime("camera", operation.camera_uptime, rules.camera_uptime),
        *_gates(operation.gates_without_camera, rules),
    ]
    score = round(max(0.0, 100.0 - sum(f.points for f in findings)), 1)
    return SiteGrade(operation.site, grade_of(score, rules), score, tuple(findings),
                     operation.start, operation.end)


def grade_of(score: float, rules: GradingRules) -> Grade:
    """The grade of a score."""
    bands = rules.bands
    lowest: tuple[tuple[Grade, float], ...] = (
        ("excellent", bands.excellent), ("good", bands.good),
        ("general", bands.general), ("pass", bands.pass_),
    )
    return next((grade for grade, floor in lowest if score >= floor), "poor")


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def _responses(times: Sequence[float], rules: GradingRules) -> list[Finding]:
    if not times:
        return [Finding("no alarm was answered in the window: response times not measured", 0)]
    ack = rules.acknowledgement
    found = []
    middle, p90 = median(times), percentile(times, 0.9)
    if middle > ack.median_s:
        found.append(Finding(
            f"median alarm response {_minutes(middle)} (target {_minutes(ack.median_s)})",
            ack.median_points))
    if p90 > ack.p90_s:
        found.append(Finding(
            f"90% of alarms answered within {_minutes(p90)} (target {_minutes(ack.p90_s)})",
            ack.p90_points))
    return found


def _unresolved(operation: SiteOperation, rules: GradingRules) -> list[Finding]:
    limit = rules.unresolved
    cutoff = operation.end - timedelta(hours=limit.older_than_h)
    old = sum(1 for opened in operation.open_alarms_opened_at if opened < cutoff)
    if not old:
        return []
    noun = "alarm" if old == 1 else "alarms"
    return [Finding(f"{old} {noun} unresolved for >{limit.older_than_h:g} h",
                    min(limit.max_points, old * limit.points_each))]


def _uptime(what: str, uptimes: Mapping[str, float | None], rule: Uptime) -> list[Finding]:
    known = {name: up for name, up in uptimes.items() if up is not None}
    if not known:
        return [Finding(f"no {what} status in the window: {what} uptime not measured", 0)]
    mean = sum(known.values()) / len(known)
    if mean >= rule.target:
        return []
    below = sorted((up, name) for name, up in known.items() if up < rule.target)
    worst = ", ".join(f"{name} {up:.1%}" for up, name in below[:3])
    points = min(rule.max_points, (rule.target - mean) * 100 * rule.points_per_percent)
    return [Finding(f"{what} uptime {mean:.1%} (target {rule.target:.0%}): {worst}",
                    round(points, 1))]


def _gates(gates: Sequence[str], rules: GradingRules) -> list[Finding]:
    rule = rules.gates_without_camera
    if not gates:
        return []
    share = rule.max_points / len(gates) if len(gates) * rule.points_each > rule.max_points else (
        rule.points_each
    )
    return [Finding(f"gate {gate} has no camera", round(share, 2)) for gate in sorted(gates)]
