"""Crowding by occupancy: persons in a building, counted from granted access, over capacity.

The count starts at zero each local day of the site (a building empties overnight, and a
missed exit must not inflate it for ever) and never goes below zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from hub.rules.context import RuleContext
from hub.rules.evaluator import EngineLimits, RuleEvaluator
from hub.rules.model import CrowdingRule
from hub.rules.signals import AlarmSignal
from hub.rules.windows import BoundedDict
from sitewatch.protocol import Access, Event


@dataclass(slots=True)
class _Occupancy:
    day: date
    count: int = 0
    over: bool = False  # signalled; re-armed when the count falls back to the threshold


class OccupancyEvaluator(RuleEvaluator[CrowdingRule]):
    """Counts granted ins and outs per building; signals once each time it goes over."""

    kinds = frozenset({"access"})

    def __init__(self, rule: CrowdingRule, context: RuleContext, limits: EngineLimits) -> None:
        super().__init__(rule, context, limits)
        self._buildings: BoundedDict[tuple[str, str], _Occupancy] = BoundedDict(limits.max_keys)

    def on_event(self, event: Event, now: datetime) -> list[AlarmSignal]:
        """Count a granted access; signal when its building goes over capacity."""
        if not isinstance(event, Access) or event.result != "granted":
            return []
        site, context = event.site, self.context
        gate = context.gate_of_device(site, event.device)
        building = context.building_of_gate(site, gate) if gate else None
        if building is None:
            return []
        hours = context.business_hours(site)
        day = hours.local_date(event.ts) if hours else event.ts.astimezone(UTC).date()
        state = self._buildings.get((site, building))
        if state is None or day > state.day:
            state = _Occupancy(day)
        self._buildings[(site, building)] = state
        if day < state.day:
            return []  # a late event of a day already over changes nothing now
        state.count = state.count + 1 if event.direction == "in" else max(0, state.count - 1)
        capacity = context.building_capacity(site, building)
        if capacity is None:
            return []
        threshold = capacity * self.rule.capacity_ratio
        if state.count <= threshold:
            state.over = False
            return []
        if state.over:
            return []
        state.over = True
        detail = {"building": building, "occupancy": state.count, "capacity": capacity,
                  "capacity_ratio": self.rule.capacity_ratio, "gate": gate}
        title = f"{building} over capacity: {state.count} of {capacity}"
        return [self.signal(site, building, event.ts, title, detail, (event.id,))]
