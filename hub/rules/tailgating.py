"""Tailgating: more persons cross a door's camera line inwards than badges were granted there.

Each badge-in (access granted, direction in; optionally a passing place scan) at a gate
admits one person crossing the line of a camera that looks at that gate within
`window_s` of it, before or after. A crossing is decided only `settle_s` (hub time) after
it arrived, so a badge event that reaches the hub in a later commit still counts. A
camera counts persons at every gate it is mapped to: map a counting camera to one gate.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hub.rules.context import RuleContext
from hub.rules.evaluator import EngineLimits, RuleEvaluator
from hub.rules.model import TailgatingRule
from hub.rules.signals import AlarmSignal
from hub.rules.windows import BoundedDict
from sitewatch.protocol import Access, Camera, Event, PlaceScan

_SLACK = timedelta(hours=1)  # gateway clocks may run behind the hub's


@dataclass(slots=True)
class _Crossing:
    ts: datetime
    persons: int
    event_id: str
    camera: str
    arrived: datetime  # hub time, for settling


@dataclass(slots=True)
class _Badge:
    ts: datetime
    event_id: str
    used: bool = False


@dataclass(slots=True)
class _Door:
    pending: list[_Crossing] = field(default_factory=list)
    badges: deque[_Badge] = field(default_factory=deque)


class TailgatingEvaluator(RuleEvaluator[TailgatingRule]):
    """Matches camera line crossings at each gate against the badge-ins granted there."""

    def __init__(self, rule: TailgatingRule, context: RuleContext, limits: EngineLimits) -> None:
        super().__init__(rule, context, limits)
        self._window = timedelta(seconds=rule.window_s)
        self._settle = timedelta(seconds=rule.settle_s)
        self._doors: BoundedDict[tuple[str, str], _Door] = BoundedDict(limits.max_keys)

    def on_event(self, event: Event, now: datetime) -> list[AlarmSignal]:
        """Record a crossing or a badge-in; decisions come from `due`."""
        site = event.site
        if isinstance(event, Camera):
            if event.type == "line_crossing" and event.in_:
                for gate in self.context.gates_of_camera(site, event.device):
                    crossing = _Crossing(event.ts, event.in_, event.id, event.device, now)
                    self._door(site, gate).pending.append(crossing)
        elif self._is_badge_in(event):
            badged = self.context.gate_of_device(site, event.device)
            if badged is not None:
                self._door(site, badged).badges.append(_Badge(event.ts, event.id))
        return []

    def due(self, now: datetime) -> list[AlarmSignal]:
        """Decide the crossings that have settled; one signal per gate with unbadged persons."""
        signals = []
        for (site, gate), door in list(self._doors.items()):
            settled = [c for c in door.pending if c.arrived <= now - self._settle]
            if settled:
                door.pending = [c for c in door.pending if c.arrived > now - self._settle]
                signal = self._decide(site, gate, door, settled)
                if signal is not None:
                    signals.append(signal)
            self._forget_old_badges(door, now)
            if not door.pending and not door.badges:
                del self._doors[(site, gate)]
        return signals

    def _decide(
        self, site: str, gate: str, door: _Door, crossings: list[_Crossing]
    ) -> AlarmSignal | None:
        crossings.sort(key=lambda c: c.ts)
        matched: list[_Badge] = []
        unbadged = 0
        for crossing in crossings:
            needed = crossing.persons
            for badge in door.badges:
                if needed == 0:
                    break
                if not badge.used and abs(badge.ts - crossing.ts) <= self._window:
                    badge.used = True
                    matched.append(badge)
                    needed -= 1
            unbadged += needed
        door.badges = deque(b for b in door.badges if not b.used)
        if unbadged <= self.rule.tolerance:
            return None
        persons = sum(c.persons for c in crossings)
        detail = {
            "gate": gate, "persons": persons, "badges": len(matched), "unbadged": unbadged,
            "cameras": sorted({c.camera for c in crossings}), "window_s": self.rule.window_s,
            "first": crossings[0].ts.isoformat(), "last": crossings[-1].ts.isoformat(),
        }
        title = f"Tailgating at {gate}: {persons} persons in, {len(matched)} badge-ins"
        ids = tuple(c.event_id for c in crossings) + tuple(b.event_id for b in matched)
        return self.signal(site, gate, crossings[-1].ts, title, detail, ids)

    def _forget_old_badges(self, door: _Door, now: datetime) -> None:
        """Drop badges no crossing can match any more; keep at most the window cap."""
        oldest = min((c.ts for c in door.pending), default=now - _SLACK)
        while door.badges and door.badges[0].ts < oldest - self._window:
            door.badges.popleft()
        while len(door.badges) > self.limits.max_window_entries:
            door.badges.popleft()

    def _door(self, site: str, gate: str) -> _Door:
        door = self._doors.get((site, gate))
        if door is None:
            door = _Door()
        self._doors[(site, gate)] = door  # marks the gate as the most recently used
        return door

    def _is_badge_in(self, event: Event) -> bool:
        if isinstance(event, Access):
            return event.result == "granted" and event.direction == "in"
        return isinstance(event, PlaceScan) and self.rule.count_scans and event.verdict == "pass"
