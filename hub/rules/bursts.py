"""Denied bursts: N denials within a window, per door or per person."""

from __future__ import annotations

from datetime import datetime, timedelta

from hub.rules.context import RuleContext
from hub.rules.evaluator import EngineLimits, RuleEvaluator
from hub.rules.model import DeniedBurstRule
from hub.rules.signals import AlarmSignal
from hub.rules.windows import KeyedWindows
from sitewatch.protocol import Access, Event, PlaceScan


class DeniedBurstEvaluator(RuleEvaluator[DeniedBurstRule]):
    """Counts denials per door (device) or per person in a sliding window of event time."""

    kinds = frozenset({"access", "place_scan"})

    def __init__(self, rule: DeniedBurstRule, context: RuleContext, limits: EngineLimits) -> None:
        super().__init__(rule, context, limits)
        self._windows: KeyedWindows[tuple[str, str], str] = KeyedWindows(
            timedelta(seconds=rule.window_s), limits.max_keys, limits.max_window_entries
        )

    def on_event(self, event: Event, now: datetime) -> list[AlarmSignal]:
        """Add a denial to its window; signal when the window holds `denials` of them."""
        about = self._about(event)
        if about is None:
            return []
        rule = self.rule
        key = (event.site, about)
        recent = self._windows.add(key, event.ts, event.id)
        if len(recent) < rule.denials:
            return []
        # A burst is reported once: the next one needs `denials` fresh denials.
        self._windows.clear(key)
        first, last = recent[0][0], recent[-1][0]
        detail = {
            "per": rule.per, rule.per: about, "denials": len(recent), "window_s": rule.window_s,
            "first": first.isoformat(), "last": last.isoformat(),
            "gate": self.context.gate_of_device(event.site, event.device),
        }
        where = f"at {about}" if rule.per == "door" else f"for person {about[:12]}…"
        title = f"{len(recent)} denials in {rule.window_s:g} s {where}"
        ids = tuple(event_id for _, event_id in recent)
        return [self.signal(event.site, about, event.ts, title, detail, ids)]

    def due(self, now: datetime) -> list[AlarmSignal]:
        """Forget doors and persons whose denials have all left the window."""
        self._windows.prune(now)
        return []

    def _about(self, event: Event) -> str | None:
        """The door or person a denial counts for, or None if the event is no denial."""
        if isinstance(event, Access) and event.result == "denied":
            subject = event.subject or event.credential.ref
        elif isinstance(event, PlaceScan) and event.verdict == "deny" and self.rule.include_scans:
            subject = event.subject
        else:
            return None
        return event.device if self.rule.per == "door" else subject
