"""The alarm lifecycle with plain values: folding, acknowledging, resolving, escalating."""

from __future__ import annotations

import pytest

from hub.alarms.lifecycle import (
    AlarmTransitionError,
    acknowledge,
    escalate,
    escalation_due,
    fold,
    open_alarm,
    resolve,
)
from tests.alarms.signals import T0, at, signal


def test_a_repeat_folds_into_the_open_alarm() -> None:
    alarm = open_alarm(signal(event_ids=("e1",)), "A1", now=at(1))
    assert (alarm.state, alarm.count, alarm.first_seen, alarm.opened_at) == ("open", 1, T0, at(1))
    assert alarm.escalate_at == at(61)
    folded = fold(alarm, signal(ts=at(30), event_ids=("e2", "e1"), detail={"temperature_c": 39},
                                severity="medium"))
    assert folded.count == 2 and folded.last_seen == at(30) and folded.first_seen == T0
    assert folded.event_ids == ("e1", "e2")  # a repeated id is listed once
    assert folded.severity == "high"  # never lowered by a milder repeat
    assert folded.detail == {"temperature_c": 39} and folded.escalate_at == at(61)
    hotter = fold(folded, signal(ts=at(10), event_ids=("e3",), severity="critical"))
    assert hotter.severity == "critical" and hotter.last_seen == at(30)  # late, not latest


def test_event_ids_are_bounded_keeping_the_first_and_the_latest() -> None:
    alarm = open_alarm(signal(event_ids=("e0",)), "A1", now=T0)
    for number in range(1, 10):
        alarm = fold(alarm, signal(event_ids=(f"e{number}",)), max_event_ids=4)
    assert alarm.event_ids == ("e0", "e7", "e8", "e9") and alarm.count == 10


def test_acknowledge_then_resolve_and_what_is_refused_after() -> None:
    alarm = open_alarm(signal(), "A1", now=T0)
    acked = acknowledge(alarm, "li.wei", at(5), comment="on my way", assignee="guard-3")
    assert (acked.state, acked.acknowledged_by, acked.acknowledged_at) == (
        "acknowledged", "li.wei", at(5))
    assert (acked.comment, acked.assignee, acked.escalate_at) == ("on my way", "guard-3", None)
    again = acknowledge(acked, "zhang.min", at(6), assignee="guard-4")
    assert again.assignee == "guard-4" and again.comment == "on my way"
    assert fold(acked, signal()).count == 2  # an acknowledged alarm still folds repeats
    done = resolve(acked, "li.wei", at(9), comment="false reading")
    assert (done.state, done.resolved_by, done.resolved_at, done.comment) == (
        "resolved", "li.wei", at(9), "false reading")
    for step in (lambda: acknowledge(done, "x", at(10)), lambda: resolve(done, "x", at(10)),
                 lambda: fold(done, signal())):
        with pytest.raises(AlarmTransitionError):
            step()
    assert resolve(alarm, "li.wei", at(2)).state == "resolved"  # straight from open


def test_escalation_when_nobody_acknowledges_in_time() -> None:
    alarm = open_alarm(signal(severity="medium", escalate_after_s=60.0), "A1", now=T0)
    assert not escalation_due(alarm, at(59)) and escalation_due(alarm, at(60))
    with pytest.raises(AlarmTransitionError):
        escalate(alarm, at(59), max_level=2)
    first = escalate(alarm, at(60), max_level=2)
    assert (first.escalation_level, first.escalated, first.severity) == (1, True, "high")
    assert first.escalated_at == at(60) and first.escalate_at == at(120)
    second = escalate(first, at(121), max_level=2)
    assert (second.escalation_level, second.severity, second.escalate_at) == (2, "critical", None)
    assert not escalation_due(second, at(10_000))  # max level reached


def test_an_acknowledged_alarm_or_one_without_escalation_never_escalates() -> None:
    alarm = open_alarm(signal(escalate_after_s=60.0), "A1", now=T0)
    assert not escalation_due(acknowledge(alarm, "li.wei", at(30)), at(600))
    quiet = open_alarm(signal(escalate_after_s=None), "A2", now=T0)
    assert quiet.escalate_at is None and not escalation_due(quiet, at(10**6))
    critical = escalate(open_alarm(signal(severity="critical"), "A3", T0), at(60), 3)
    assert critical.severity == "critical" and critical.escalation_level == 1
