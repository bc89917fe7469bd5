"""The notification port of the alarms, and the JSON document every notifier sends."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict
from datetime import datetime
from typing import Any

import orjson

from hub.alarms.lifecycle import Alarm, Change


class AlarmNotifier(ABC):
    """Tells the outside world of alarm changes; the alarm service starts and closes it."""

    @abstractmethod
    def notify(self, alarm: Alarm, change: Change) -> None:
        """Send word of a change; must not block (queue it) and may be called from any thread."""

    def start(self) -> None:  # noqa: B027 — optional hook, most notifiers need no start
        """Connect or start a worker, if the notifier needs one."""

    def close(self) -> None:  # noqa: B027 — optional hook
        """Flush what can be flushed quickly and release resources."""


def alarm_document(alarm: Alarm) -> dict[str, Any]:
    """An alarm as JSON-ready values (timestamps RFC 3339), as the API and notifiers show it."""
    document = asdict(alarm)
    for name, value in document.items():
        if isinstance(value, datetime):
            document[name] = value.isoformat()
    document["event_ids"] = list(alarm.event_ids)
    document["escalated"] = alarm.escalated
    return document


def notification_payload(alarm: Alarm, change: Change) -> bytes:
    """The bytes a notifier sends: `{"change": ..., "alarm": {...}}`."""
    return orjson.dumps({"change": change.value, "alarm": alarm_document(alarm)})
