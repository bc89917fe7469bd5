"""Rules decided by one event alone: fever, health code, doors, tamper, crowds, sensors."""

from __future__ import annotations

from datetime import datetime

from hub.rules.evaluator import RuleEvaluator
from hub.rules.model import (
    CameraTamperRule,
    CrowdingRule,
    DoorForcedRule,
    DoorHeldOpenRule,
    FeverRule,
    HealthCodeRule,
    SensorAlarmRule,
)
from hub.rules.signals import AlarmSignal
from sitewatch.protocol import Access, Camera, Event, PlaceScan, Sensor


class FeverEvaluator(RuleEvaluator[FeverRule]):
    """A place scan at or above the fever threshold, keyed by person."""

    kinds = frozenset({"place_scan"})

    def on_event(self, event: Event, now: datetime) -> list[AlarmSignal]:
        """Signal a scan whose temperature reaches the threshold."""
        if not isinstance(event, PlaceScan) or event.temperature_c is None:
            return []
        if event.temperature_c < self.rule.threshold_c:
            return []
        detail = {
            "subject": event.subject, "temperature_c": event.temperature_c,
            "threshold_c": self.rule.threshold_c, "device": event.device,
            "gate": self.context.gate_of_device(event.site, event.device),
            "visitor": event.visitor,
        }
        title = f"Fever {event.temperature_c:.1f} °C at {event.device}"
        return [self.signal(event.site, event.subject, event.ts, title, detail, (event.id,))]


class HealthCodeEvaluator(RuleEvaluator[HealthCodeRule]):
    """A place scan showing a health code the rule lists, keyed by person."""

    kinds = frozenset({"place_scan"})

    def on_event(self, event: Event, now: datetime) -> list[AlarmSignal]:
        """Signal a scan with a listed health code."""
        if not isinstance(event, PlaceScan) or event.health not in self.rule.colours:
            return []
        detail = {
            "subject": event.subject, "health": event.health, "verdict": event.verdict,
            "device": event.device, "gate": self.context.gate_of_device(event.site, event.device),
        }
        title = f"{event.health.capitalize()} health code at {event.device}"
        return [self.signal(event.site, event.subject, event.ts, title, detail, (event.id,))]


class DoorResultEvaluator(RuleEvaluator[DoorForcedRule | DoorHeldOpenRule]):
    """An access event with result forced or held_open, keyed by door."""

    kinds = frozenset({"access"})

    def on_event(self, event: Event, now: datetime) -> list[AlarmSignal]:
        """Signal the door's forced or held-open result."""
        wanted = "forced" if self.rule.type == "door_forced" else "held_open"
        if not isinstance(event, Access) or event.result != wanted:
            return []
        detail = {
            "device": event.device, "gate": self.context.gate_of_device(event.site, event.device),
            "reason": event.reason,
        }
        what = "forced open" if wanted == "forced" else "held open"
        title = f"Door {event.device} {what}"
        return [self.signal(event.site, event.device, event.ts, title, detail, (event.id,))]


class CameraTamperEvaluator(RuleEvaluator[CameraTamperRule]):
    """A camera's tamper detection, keyed by camera."""

    kinds = frozenset({"camera"})

    def on_event(self, event: Event, now: datetime) -> list[AlarmSignal]:
        """Signal a tamper event scored at least `min_score`."""
        if not isinstance(event, Camera) or event.type != "tamper":
            return []
        if (event.score if event.score is not None else 1.0) < self.rule.min_score:
            return []
        detail = {"camera": event.device, "score": event.score, "zone": event.zone}
        title = f"Camera {event.device} tampered with"
        return [self.signal(event.site, event.device, event.ts, title, detail, (event.id,))]


class CrowdCameraEvaluator(RuleEvaluator[CrowdingRule]):
    """A camera's crowd detection of at least `min_count` persons, keyed by camera."""

    kinds = frozenset({"camera"})

    def on_event(self, event: Event, now: datetime) -> list[AlarmSignal]:
        """Signal a large enough crowd."""
        if not isinstance(event, Camera) or event.type != "crowd":
            return []
        count = event.count or 0
        if count < self.rule.min_count:
            return []
        detail = {"camera": event.device, "count": count, "zone": event.zone,
                  "gates": list(self.context.gates_of_camera(event.site, event.device))}
        title = f"Crowd of {count} at {event.zone or event.device}"
        return [self.signal(event.site, event.device, event.ts, title, detail, (event.id,))]


class SensorAlarmEvaluator(RuleEvaluator[SensorAlarmRule]):
    """A sensor event with alarm=true, keyed by sensor and metric; severity per metric."""

    kinds = frozenset({"sensor"})

    def on_event(self, event: Event, now: datetime) -> list[AlarmSignal]:
        """Signal a sensor alarm on a watched metric."""
        if not isinstance(event, Sensor) or not event.alarm:
            return []
        rule = self.rule
        if rule.metrics and event.metric not in rule.metrics:
            return []
        detail = {"device": event.device, "metric": event.metric, "value": event.value,
                  "unit": event.unit}
        title = f"{event.metric.replace('_', ' ').capitalize()} alarm at {event.device}"
        return [self.signal(event.site, f"{event.device}|{event.metric}", event.ts, title,
                            detail, (event.id,), severity=rule.severities.get(event.metric))]
