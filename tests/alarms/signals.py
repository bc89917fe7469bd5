"""Alarm signals from plain values, for the alarm tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hub.rules import AlarmSignal

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """T0 plus some seconds."""
    return T0 + timedelta(seconds=seconds)


def signal(key: str = "fever|park|aaaa", ts: datetime = T0, event_ids: tuple[str, ...] = ("e1",),
           **changes: Any) -> AlarmSignal:
    """A fever signal; `changes` override fields."""
    values: dict[str, Any] = {
        "rule": "fever", "type": "fever", "severity": "high", "site": "park", "key": key,
        "ts": ts, "title": "Fever 38.2 °C at mg-sentinel-1",
        "detail": {"temperature_c": 38.2}, "event_ids": event_ids, "escalate_after_s": 60.0,
    }
    values.update(changes)
    return AlarmSignal(**values)
