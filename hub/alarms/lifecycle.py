"""The alarm lifecycle as a pure state machine: open → acknowledged → resolved.

A signal whose key matches an alarm that is not resolved folds into it (count, last
seen, event ids). An open alarm nobody acknowledges within its rule's `escalate_after_s`
escalates: level + 1, severity one step up, and again after each further period until
`max_level`. Times come in as arguments; nothing here reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from hub.rules.signals import AlarmSignal, Severity, higher_severity, raise_severity

AlarmState = Literal["open", "acknowledged", "resolved"]
ALARM_STATES: tuple[AlarmState, ...] = ("open", "acknowledged", "resolved")
DEFAULT_MAX_EVENT_IDS = 50


class Change(StrEnum):
    """What just happened to an alarm (also the action recorded in its history)."""

    OPENED = "opened"
    FOLDED = "folded"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    COMMENTED = "commented"


class AlarmTransitionError(ValueError):
    """A change the alarm's state does not allow (e.g. acknowledging a resolved alarm)."""


@dataclass(frozen=True, slots=True)
class Alarm:
    """One alarm, as stored and as the API shows it."""

    id: str
    rule: str
    type: str
    severity: Severity
    site: str
    key: str
    state: AlarmState
    count: int
    first_seen: datetime  # event time of the first signal
    last_seen: datetime  # event time of the latest signal
    opened_at: datetime  # hub time
    title: str
    detail: dict[str, Any] = field(default_factory=dict)
    event_ids: tuple[str, ...] = ()
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    comment: str | None = None
    assignee: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    escalation_level: int = 0
    escalated_at: datetime | None = None
    escalate_after_s: float | None = None
    escalate_at: datetime | None = None  # hub time of the next escalation, if any

    @property
    def escalated(self) -> bool:
        """Whether the alarm has escalated at least once."""
        return self.escalation_level > 0


def open_alarm(signal: AlarmSignal, alarm_id: str, now: datetime) -> Alarm:
    """A new open alarm from its first signal."""
    return Alarm(
        id=alarm_id, rule=signal.rule, type=signal.type, severity=signal.severity,
        site=signal.site, key=signal.key, state="open", count=1, first_seen=signal.ts,
        last_seen=signal.ts, opened_at=now, title=signal.title, detail=dict(signal.detail),
        event_ids=tuple(dict.fromkeys(signal.event_ids)),
        escalate_after_s=signal.escalate_after_s,
        escalate_at=_after(now, signal.escalate_after_s),
    )


def fold(alarm: Alarm, signal: AlarmSignal, max_event_ids: int = DEFAULT_MAX_EVENT_IDS) -> Alarm:
    """The alarm with one more signal folded in; the latest signal's detail is kept."""
    if alarm.state == "resolved":
        raise AlarmTransitionError(f"alarm {alarm.id} is resolved: a new signal opens a new one")
    known = set(alarm.event_ids)
    ids = alarm.event_ids + tuple(i for i in dict.fromkeys(signal.event_ids) if i not in known)
    if len(ids) > max_event_ids:
        # The first event is the evidence of how it started; the rest, the most recent.
        ids = ids[:1] + ids[len(ids) - max_event_ids + 1 :]
    return replace(
        alarm, count=alarm.count + 1, severity=higher_severity(alarm.severity, signal.severity),
        first_seen=min(alarm.first_seen, signal.ts), last_seen=max(alarm.last_seen, signal.ts),
        detail=dict(signal.detail), event_ids=ids,
    )


def acknowledge(
    alarm: Alarm, user: str, now: datetime, comment: str | None = None,
    assignee: str | None = None,
) -> Alarm:
    """Acknowledged by `user`: escalation stops; acknowledging again re-assigns."""
    if alarm.state == "resolved":
        raise AlarmTransitionError(f"alarm {alarm.id} is resolved and cannot be acknowledged")
    return replace(
        alarm, state="acknowledged", acknowledged_by=user, acknowledged_at=now,
        comment=comment if comment is not None else alarm.comment,
        assignee=assignee if assignee is not None else alarm.assignee, escalate_at=None,
    )


def resolve(alarm: Alarm, user: str, now: datetime, comment: str | None = None) -> Alarm:
    """Resolved by `user`, from open or acknowledged; the next signal opens a new alarm."""
    if alarm.state == "resolved":
        raise AlarmTransitionError(f"alarm {alarm.id} is already resolved")
    return replace(
        alarm, state="resolved", resolved_by=user, resolved_at=now,
        comment=comment if comment is not None else alarm.comment, escalate_at=None,
    )


def add_comment(alarm: Alarm, comment: str) -> Alarm:
    """The alarm with its comment replaced (kept in history as well), in any state."""
    return replace(alarm, comment=comment)


def escalation_due(alarm: Alarm, now: datetime) -> bool:
    """Whether an unacknowledged alarm's next escalation time has come."""
    return alarm.state == "open" and alarm.escalate_at is not None and alarm.escalate_at <= now


def escalate(alarm: Alarm, now: datetime, max_level: int) -> Alarm:
    """One escalation: level + 1, severity one step up, next escalation scheduled if any."""
    if not escalation_due(alarm, now):
        raise AlarmTransitionError(f"alarm {alarm.id} is not due to escalate")
    level = alarm.escalation_level + 1
    following = _after(now, alarm.escalate_after_s) if level < max_level else None
    return replace(
        alarm, escalation_level=level, escalated_at=now,
        severity=raise_severity(alarm.severity), escalate_at=following,
    )


def _after(now: datetime, seconds: float | None) -> datetime | None:
    return None if seconds is None else now + timedelta(seconds=seconds)
