"""The base of every rule's evaluator: hooks the engine calls, and a signal builder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from hub.records import HealthRecord, StatusRecord
from hub.rules.context import RuleContext
from hub.rules.model import RuleBase
from hub.rules.signals import AlarmSignal, Severity
from sitewatch.protocol import Event

R = TypeVar("R", bound=RuleBase)


@dataclass(frozen=True, slots=True)
class EngineLimits:
    """Caps on the engine's memory."""

    max_keys: int = 10_000  # doors, persons, gates... tracked per rule
    max_window_entries: int = 1_000  # entries kept per key in a sliding window
    seen_ids: int = 100_000  # event ids remembered to drop repeats


class RuleEvaluator(Generic[R]):
    """Runs one rule; subclasses override the hooks they need (each returns signals)."""

    # The event kinds `on_event` can act on; None means any. The engine hands an event
    # only to the evaluators that name its kind, sparing a call per event and rule.
    kinds: ClassVar[frozenset[str] | None] = None

    def __init__(self, rule: R, context: RuleContext, limits: EngineLimits) -> None:
        self.rule = rule
        self.context = context
        self.limits = limits

    def on_event(self, event: Event, now: datetime) -> list[AlarmSignal]:
        """A new event (never a repeat) at a site in the rule's scope."""
        return []

    def on_status(self, record: StatusRecord) -> list[AlarmSignal]:
        """A gateway status or last will."""
        return []

    def on_health(self, record: HealthRecord) -> list[AlarmSignal]:
        """A gateway health report."""
        return []

    def due(self, now: datetime) -> list[AlarmSignal]:
        """Decisions that wait for time to pass (after every batch and on every tick)."""
        return []

    def signal(
        self,
        site: str,
        about: str,
        ts: datetime,
        title: str,
        detail: dict[str, Any],
        event_ids: tuple[str, ...] = (),
        severity: Severity | None = None,
    ) -> AlarmSignal:
        """A signal of this rule; `about` (door, person, gateway...) completes its key."""
        rule = self.rule
        return AlarmSignal(
            rule=rule.name,
            type=rule.type,
            severity=severity or rule.severity,
            site=site,
            key=f"{rule.name}|{site}|{about}",
            ts=ts,
            title=title,
            detail=detail,
            event_ids=event_ids,
            escalate_after_s=rule.escalate_after_s,
        )
