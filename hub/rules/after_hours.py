"""After-hours rules: entries without permission, and red-rated enterprises' people at night."""

from __future__ import annotations

from datetime import datetime

from hub.rules.context import BusinessHours, PersonFacts
from hub.rules.evaluator import RuleEvaluator
from hub.rules.model import AfterHoursRule, RedEnterpriseAfterHoursRule
from hub.rules.signals import AlarmSignal
from sitewatch.protocol import Access, Event, PlaceScan


def entry_subject(event: Event) -> str | None:
    """The person a granted entry (access in, or a passing place scan) lets in, if known."""
    if isinstance(event, Access) and event.result == "granted" and event.direction == "in":
        return event.subject
    if isinstance(event, PlaceScan) and event.verdict == "pass":
        return event.subject
    return None


def active_subject(event: Event) -> str | None:
    """The person an event shows active on site: granted access either way, or a scan."""
    if isinstance(event, Access) and event.result == "granted":
        return event.subject
    if isinstance(event, PlaceScan):
        return event.subject
    return None


def _outside(hours: BusinessHours | None, ts: datetime) -> bool:
    return hours is not None and not hours.contains(ts)


class AfterHoursEvaluator(RuleEvaluator[AfterHoursRule]):
    """An entry outside business hours by a person without after-hours permission."""

    kinds = frozenset({"access", "place_scan"})

    def on_event(self, event: Event, now: datetime) -> list[AlarmSignal]:
        """Signal an unpermitted after-hours entry, keyed by person."""
        subject = entry_subject(event)
        hours = self.context.business_hours(event.site)
        if subject is None or hours is None or hours.contains(event.ts):
            return []
        person = self.context.person(event.site, subject)
        if not self._alarms_on(person):
            return []
        detail = {
            "subject": subject, "device": event.device,
            "gate": self.context.gate_of_device(event.site, event.device),
            "local_time": hours.local(event.ts).isoformat(),
            "enterprise": person.enterprise if person else None,
            "person_type": person.person_type if person else None,
        }
        title = f"After-hours entry at {event.device}"
        return [self.signal(event.site, subject, event.ts, title, detail, (event.id,))]

    def _alarms_on(self, person: PersonFacts | None) -> bool:
        if person is None:
            return self.rule.include_unknown
        return not person.after_hours_allowed and (
            person.person_type not in self.rule.exempt_person_types
        )


class RedEnterpriseAfterHoursEvaluator(RuleEvaluator[RedEnterpriseAfterHoursRule]):
    """A person of an enterprise rated a listed colour, active after hours; keyed by enterprise."""

    kinds = frozenset({"access", "place_scan"})

    def on_event(self, event: Event, now: datetime) -> list[AlarmSignal]:
        """Signal activity after hours by a person of a listed-colour enterprise."""
        subject = active_subject(event)
        if subject is None or not _outside(self.context.business_hours(event.site), event.ts):
            return []
        person = self.context.person(event.site, subject)
        if person is None or person.enterprise is None:
            return []
        colour = self.context.enterprise_colour(event.site, person.enterprise)
        if colour is None or colour not in self.rule.colours:
            return []
        detail = {
            "enterprise": person.enterprise, "colour": colour, "subject": subject,
            "device": event.device, "gate": self.context.gate_of_device(event.site, event.device),
        }
        title = f"{colour.capitalize()}-rated {person.enterprise} active after hours"
        return [self.signal(event.site, person.enterprise, event.ts, title, detail, (event.id,))]
