"""Facility sensors (fire panel, elevator, water leak, power, door contact) → `sensor` events.

Input: one JSON object, or an array of them::

    {"sensor": "fire-panel-B2",              # device id; the configured `device` if absent
     "ts": "2026-11-22T08:01:02+08:00",      # RFC 3339; now if absent
     "metric": "smoke",                      # lower-case identifier ('-' and ' ' become '_')
     "value": true,                          # true/false, a number, or null
     "unit": "V",                            # at most 16 characters, optional
     "alarm": true}                          # optional: derived when absent

Without `alarm`, the metric's rule in the settings decides (booleans count as 1 and 0):
smoke, fire, water_leak and elevator_fault alarm when true; power alarms at 0 or below;
a metric without a rule (door_contact, temperature…) is not an alarm. A device that knows
better sends `alarm` itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainValidator, StrictBool

from edge_agent.ports import Draft
from edge_agent.receivers.intake import HttpReceiver, utc_now
from edge_agent.receivers.records import (
    DeviceId,
    InputModel,
    Timestamp,
    device_of,
    validate_record,
)
from edge_agent.receivers.settings import (
    AlarmRule,
    SensorHttpSettings,
)
from edge_agent.settings import SourceContext, SourceEntry, source_settings


def _metric_name(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip().lower().replace("-", "_").replace(" ", "_")
    return value


def _reading(value: Any) -> bool | float | None:
    """true/false, a finite number (as a float), or null: nothing else is a reading."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    raise ValueError("must be true, false, a finite number or null")


Metric = Annotated[
    str, BeforeValidator(_metric_name), Field(strict=True, pattern=r"^[a-z][a-z0-9_]{0,63}$")
]


class SensorReading(InputModel):
    """One reading as a sensor gateway pushes it (the format in this module's docstring)."""

    sensor: DeviceId | None = Field(None, description="sensor id; default: configured")
    ts: Timestamp | None = Field(None, description="when it was read; default: now")
    metric: Metric = Field(description="what is measured, e.g. smoke, power")
    value: Annotated[bool | float | None, PlainValidator(_reading)] = None
    unit: str | None = Field(None, max_length=16)
    alarm: StrictBool | None = None


def derive_alarm(metric: str, value: bool | float | None, rules: Mapping[str, AlarmRule]) -> bool:
    """Whether a reading is an alarm by its metric's rule (none: not an alarm)."""
    rule = rules.get(metric)
    if rule is None or value is None:
        return False
    number = float(value)
    return (
        (rule.when_true and number != 0)
        or (rule.above is not None and number > rule.above)
        or (rule.at_or_below is not None and number <= rule.at_or_below)
    )


def sensor_draft(reading: SensorReading, settings: SensorHttpSettings, now: datetime) -> Draft:
    """The `sensor` draft of a validated reading, its alarm derived when not given."""
    alarm = reading.alarm
    if alarm is None:
        alarm = derive_alarm(reading.metric, reading.value, settings.alarm_rules)
    return Draft(
        kind="sensor",
        device=device_of(reading.sensor, settings.device, "sensor"),
        ts=reading.ts or now,
        fields={
            "metric": reading.metric,
            "value": reading.value,
            "unit": reading.unit,
            "alarm": alarm,
        },
    )


class SensorHttpSource(HttpReceiver):
    """Source type `sensor_http`: facility sensors push readings, the outbox gets `sensor`."""

    def __init__(
        self,
        settings: SensorHttpSettings,
        *,
        name: str = "sensor_http",
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(name, settings, clock=clock)
        self.settings = settings

    @classmethod
    def from_settings(
        cls, cfg: SensorHttpSettings | SourceEntry, ctx: SourceContext
    ) -> SensorHttpSource:
        """Build the source from its settings entry (the bootstrap's factory call)."""
        return cls(source_settings(SensorHttpSettings, cfg))

    def convert(self, record: Any, now: datetime) -> Draft:
        """A pushed reading as a `sensor` draft; RecordError naming bad fields."""
        reading = validate_record(SensorReading, record, self.settings.timezone)
        return sensor_draft(reading, self.settings, now)
