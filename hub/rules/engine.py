"""The rule engine: committed events, statuses and health in, alarm signals out.

Pure: no I/O and no clock; the caller hands in `now`. Not thread-safe: one worker owns it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hub.records import HealthRecord, StatusRecord
from hub.rules.after_hours import AfterHoursEvaluator, RedEnterpriseAfterHoursEvaluator
from hub.rules.bursts import DeniedBurstEvaluator
from hub.rules.context import RuleContext
from hub.rules.devices import CameraOfflineEvaluator, GatewayOfflineEvaluator
from hub.rules.evaluator import EngineLimits, RuleEvaluator
from hub.rules.instant import (
    CameraTamperEvaluator,
    CrowdCameraEvaluator,
    DoorResultEvaluator,
    FeverEvaluator,
    HealthCodeEvaluator,
    SensorAlarmEvaluator,
)
from hub.rules.model import CrowdingRule, Rule
from hub.rules.occupancy import OccupancyEvaluator
from hub.rules.signals import AlarmSignal
from hub.rules.tailgating import TailgatingEvaluator
from hub.rules.windows import SeenIds
from sitewatch.protocol import Event

Factory = Callable[[Any, RuleContext, EngineLimits], RuleEvaluator[Any]]


def _crowding(rule: CrowdingRule, context: RuleContext, limits: EngineLimits) -> RuleEvaluator[Any]:
    if rule.source == "occupancy":
        return OccupancyEvaluator(rule, context, limits)
    return CrowdCameraEvaluator(rule, context, limits)


EVALUATORS: dict[str, Factory] = {
    "fever": FeverEvaluator,
    "health_code": HealthCodeEvaluator,
    "denied_burst": DeniedBurstEvaluator,
    "after_hours": AfterHoursEvaluator,
    "tailgating": TailgatingEvaluator,
    "door_forced": DoorResultEvaluator,
    "door_held_open": DoorResultEvaluator,
    "crowding": _crowding,
    "gateway_offline": GatewayOfflineEvaluator,
    "camera_tamper": CameraTamperEvaluator,
    "camera_offline": CameraOfflineEvaluator,
    "red_enterprise_after_hours": RedEnterpriseAfterHoursEvaluator,
    "sensor_alarm": SensorAlarmEvaluator,
}


@dataclass
class EngineCounters:
    """Running totals, for /metrics."""

    events: int = 0
    repeats: int = 0  # events dropped because their id was seen already
    signals: int = 0
    too_old: int = 0  # signals dropped because their events were older than max_event_age


class RuleEngine:
    """Runs the enabled rules over what the ledger commits; keeps only bounded state."""

    def __init__(
        self,
        rules: Sequence[Rule],
        context: RuleContext,
        *,
        limits: EngineLimits | None = None,
        max_event_age: timedelta | None = None,
    ) -> None:
        limits = limits or EngineLimits()
        self.rules = [rule for rule in rules if rule.enabled]
        self._evaluators = [EVALUATORS[rule.type](rule, context, limits) for rule in self.rules]
        self._seen = SeenIds(limits.seen_ids)
        # Which evaluators watch a site, worked out once per site: asked for every event.
        self._scoped: dict[str, list[RuleEvaluator[Any]]] = {}
        self._by_kind: dict[tuple[str, str], list[RuleEvaluator[Any]]] = {}
        self._max_sites = limits.max_keys
        self._max_event_age = max_event_age
        self.counters = EngineCounters()

    def evaluate(
        self,
        events: Iterable[Event],
        statuses: Iterable[StatusRecord],
        healths: Iterable[HealthRecord],
        now: datetime,
    ) -> list[AlarmSignal]:
        """Signals raised by one commit's events, statuses and health reports."""
        signals: list[AlarmSignal] = []
        # Event time order within a commit, so windows see a door's history as it happened.
        for event in sorted(events, key=lambda e: e.ts):
            self.counters.events += 1
            if not self._seen.add(event.id):
                self.counters.repeats += 1
                continue
            for evaluator in self._for_event(event.site, event.kind):
                signals += evaluator.on_event(event, now)
        for status in statuses:
            for evaluator in self._in_scope(status.site):
                signals += evaluator.on_status(status)
        for health in healths:
            for evaluator in self._in_scope(health.site):
                signals += evaluator.on_health(health)
        return self._keep(signals + self._due(now), now)

    def tick(self, now: datetime) -> list[AlarmSignal]:
        """Signals that only the passing of time raises (silent gateways, settled crossings)."""
        return self._keep(self._due(now), now)

    def _due(self, now: datetime) -> list[AlarmSignal]:
        signals: list[AlarmSignal] = []
        for evaluator in self._evaluators:
            signals += evaluator.due(now)
        return signals

    def _for_event(self, site: str, kind: str) -> list[RuleEvaluator[Any]]:
        """The evaluators watching `site` that act on events of `kind` (worked out once)."""
        found = self._by_kind.get((site, kind))
        if found is None:
            if len(self._by_kind) >= self._max_sites:
                self._by_kind.clear()
            found = self._by_kind[(site, kind)] = [
                e for e in self._in_scope(site) if e.kinds is None or kind in e.kinds
            ]
        return found

    def _in_scope(self, site: str) -> list[RuleEvaluator[Any]]:
        scoped = self._scoped.get(site)
        if scoped is None:
            if len(self._scoped) >= self._max_sites:
                self._scoped.clear()  # a flood of made-up site names must not grow memory
            scoped = self._scoped[site] = [
                e for e in self._evaluators if e.rule.applies_to(site)
            ]
        return scoped

    def _keep(self, signals: list[AlarmSignal], now: datetime) -> list[AlarmSignal]:
        """Drop signals about events too old to alarm on (a backfill, a long replay)."""
        if self._max_event_age is not None:
            oldest = now - self._max_event_age
            kept = [s for s in signals if s.ts >= oldest]
            self.counters.too_old += len(signals) - len(kept)
            signals = kept
        self.counters.signals += len(signals)
        return signals
