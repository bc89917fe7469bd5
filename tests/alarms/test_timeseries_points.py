"""Alarm changes become `alarm` points for the dashboards; folds and comments do not."""

from __future__ import annotations

from collections.abc import Iterable

from hub.alarms.lifecycle import Change, acknowledge, fold, open_alarm, resolve
from hub.alarms.timeseries import AlarmPoints
from tests.alarms.signals import at, signal


def test_state_changes_are_written_as_alarm_points_and_folds_are_not() -> None:
    written: list[str] = []

    def submit(lines: Iterable[str]) -> None:
        written.extend(lines)

    points = AlarmPoints(submit, clock=lambda: at(100))
    alarm = open_alarm(signal(), "01ALARM", at(0))
    points.notify(alarm, Change.OPENED)
    alarm = fold(alarm, signal(event_ids=("e2",)))
    points.notify(alarm, Change.FOLDED)
    points.notify(alarm, Change.COMMENTED)
    alarm = acknowledge(alarm, "guard", at(50), comment="on my way")
    points.notify(alarm, Change.ACKNOWLEDGED)
    alarm = resolve(alarm, "guard", at(90))
    points.notify(alarm, Change.RESOLVED)

    assert [line.split(" ")[0].split("state=")[1] for line in written] == [
        "opened", "acknowledged", "resolved",
    ]
    assert written[-1].startswith(f"alarm,rule={alarm.rule},severity={alarm.severity},site=")
    assert 'alarm_id="01ALARM"' in written[-1] and "count=2i" in written[-1]
