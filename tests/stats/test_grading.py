"""The site grade (pure): points off per finding, each with its reason; thresholds as data."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.stats import GradingError, SiteOperation, grade_site, load_grading, parse_grading
from hub.stats.grading import percentile
from hub.stats.uptime import sample_uptime, state_uptime
from tests.stats.factory import T0

RULES = load_grading()
START, END = T0 - timedelta(days=30), T0


def operation(**changes: Any) -> SiteOperation:
    """A site run well: quick answers, nothing left open, everything up, every gate seen."""
    values: dict[str, Any] = {
        "site": "park", "start": START, "end": END, "response_times_s": [60.0, 120.0, 90.0],
        "open_alarms_opened_at": [], "gateway_uptime": {"gw-1": 1.0},
        "camera_uptime": {"cam-1": 1.0}, "gates_without_camera": [],
    }
    values.update(changes)
    return SiteOperation(**values)


def test_a_site_run_well_is_excellent_with_nothing_to_say() -> None:
    grade = grade_site(operation(), RULES)
    assert (grade.grade, grade.score, grade.findings) == ("excellent", 100.0, ())


def test_each_finding_costs_points_and_says_why() -> None:
    grade = grade_site(operation(
        response_times_s=[600.0] * 9 + [4000.0],  # median 10 min, p90 10 min, max 66 min
        open_alarms_opened_at=[END - timedelta(hours=h) for h in (30, 48, 100, 2)],
        gateway_uptime={"gw-1": 1.0, "gw-2": 0.9},  # mean 95%: 4 points below 99% x 2
        camera_uptime={"cam-1": 0.99, "cam-2": None},
        gates_without_camera=["west-gate", "east-gate"],
    ), RULES)
    assert [(f.reason, f.points) for f in grade.findings] == [
        ("median alarm response 10.0 min (target 5.0 min)", 10),
        ("3 alarms unresolved for >24 h", 15),
        ("gateway uptime 95.0% (target 99%): gw-2 90.0%", 8.0),
        ("gate east-gate has no camera", 3),
        ("gate west-gate has no camera", 3),
    ]
    assert (grade.score, grade.grade) == (61.0, "pass")


def test_points_are_capped_and_a_low_score_is_poor() -> None:
    grade = grade_site(operation(
        response_times_s=[7200.0], open_alarms_opened_at=[END - timedelta(days=3)] * 20,
        gateway_uptime={"gw-1": 0.2}, camera_uptime={"cam-1": 0.1},
        gates_without_camera=[f"g{n}" for n in range(10)],
    ), RULES)
    points = {f.reason.split(" ")[0]: f.points for f in grade.findings}
    assert points["20"] == 25 and points["gateway"] == 20 and points["camera"] == 15
    assert sum(f.points for f in grade.findings if "no camera" in f.reason) == pytest.approx(15)
    assert (grade.score, grade.grade) == (5.0, "poor")


def test_what_was_not_measured_costs_nothing_but_is_said() -> None:
    grade = grade_site(operation(response_times_s=[], gateway_uptime={"gw-1": None},
                                 camera_uptime={}), RULES)
    assert grade.score == 100.0
    assert [f.points for f in grade.findings] == [0, 0, 0]
    assert "gateway uptime not measured" in grade.findings[1].reason


def test_uptime_from_state_changes_and_from_samples() -> None:
    day = timedelta(days=1)
    start, end = T0, T0 + 4 * day
    # Online since before the window, off for a day, on again.
    changes = [(T0 - day, "online"), (T0 + day, "offline"), (T0 + 2 * day, "online")]
    assert state_uptime(changes, start, end) == pytest.approx(0.75)
    # First heard of a day into the window: the unknown day is left out.
    assert state_uptime([(T0 + day, "online"), (T0 + 2 * day, "offline")], start, end) == (
        pytest.approx(1 / 3))
    assert state_uptime([], start, end) is None
    assert sample_uptime([True, True, False, True]) == 0.75 and sample_uptime([]) is None
    assert percentile([5, 1, 3, 2, 4], 0.9) == 5 and percentile([5, 1, 3, 2, 4], 0.5) == 3


def test_thresholds_are_validated(tmp_path: Path) -> None:
    with pytest.raises(GradingError, match="bands must fall strictly"):
        parse_grading({"bands": {"excellent": 80, "good": 85, "general": 70, "pass": 60}})
    with pytest.raises(GradingError, match=re.escape("gateway_uptime.target")):
        parse_grading({"gateway_uptime": {"target": 1.5, "points_per_percent": 1,
                                          "max_points": 5}})
    with pytest.raises(GradingError, match="window_dayz"):
        parse_grading({"window_dayz": 7})
    custom = tmp_path / "grading.yaml"
    custom.write_text("window_days: 7\nbands: {excellent: 95, good: 85, general: 75, pass: 65}\n")
    rules = load_grading(custom)
    assert rules.window_days == 7 and rules.bands.pass_ == 65
    assert rules.unresolved.older_than_h == 24  # what the file leaves out keeps its default
