"""Alarm changes as `alarm` points in the time series, for the dashboards' alarm panels."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from hub.alarms.lifecycle import Alarm, Change
from hub.alarms.notify import AlarmNotifier
from hub.timeseries.points import alarm_line

Submit = Callable[[Iterable[str]], None]


class AlarmPoints(AlarmNotifier):
    """Writes one `alarm` point per opening, escalation, acknowledgement and resolution."""

    # Folds and comments change no state a panel counts; they would only add noise.
    _CHANGES = frozenset({Change.OPENED, Change.ESCALATED, Change.ACKNOWLEDGED, Change.RESOLVED})

    def __init__(self, submit: Submit, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self._submit = submit
        self._clock = clock

    def notify(self, alarm: Alarm, change: Change) -> None:
        """Queue the point with the time series writer (which never blocks)."""
        if change not in self._CHANGES:
            return
        state = str(change.value)
        line = alarm_line(
            alarm.site, alarm.rule, str(alarm.severity), state, alarm.id, self._clock(),
            count=alarm.count,
        )
        self._submit([line])
