"""Registry facts the rules need, behind a narrow port; a static version built from dicts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What the rules know of a person (by pseudonym)."""

    enterprise: str | None
    person_type: str  # employee, visitor or staff
    after_hours_allowed: bool = False


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """A site's opening hours in its own time zone; `end` before `start` spans midnight."""

    start: time
    end: time
    tz: str = "UTC"
    days: frozenset[int] = frozenset(range(7))  # weekdays open, Monday = 0

    def local(self, ts: datetime) -> datetime:
        """`ts` in the site's time zone."""
        return ts.astimezone(ZoneInfo(self.tz))

    def local_date(self, ts: datetime) -> date:
        """The site's calendar date at `ts`."""
        return self.local(ts).date()

    def contains(self, ts: datetime) -> bool:
        """Whether `ts` falls within business hours (the day is the local day of `ts`)."""
        local = self.local(ts)
        if local.weekday() not in self.days:
            return False
        now = local.time()
        if self.start == self.end:
            return True  # open round the clock on open days
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end


class RuleContext(Protocol):
    """Registry lookups for the rule engine; each must be fast (an in-memory snapshot).

    Names are per site: pseudonyms are keyed by the site's key, devices, gates and
    enterprises are the site's own.
    """

    def person(self, site: str, subject: str) -> PersonFacts | None:
        """Facts about a person of the site by pseudonym, or None if unknown."""
        ...

    def gate_of_device(self, site: str, device: str) -> str | None:
        """The gate or door a reader, turnstile or sentinel belongs to."""
        ...

    def gates_of_camera(self, site: str, camera: str) -> tuple[str, ...]:
        """The gates a camera looks at (its line counts persons through them)."""
        ...

    def building_of_gate(self, site: str, gate: str) -> str | None:
        """The building a gate leads into; None for a site's outer gates."""
        ...

    def business_hours(self, site: str) -> BusinessHours | None:
        """The site's business hours, or None if it has none (no after-hours rules)."""
        ...

    def enterprise_colour(self, site: str, enterprise: str) -> str | None:
        """The enterprise's five-colour risk standing, or None if unknown."""
        ...

    def building_capacity(self, site: str, building: str) -> int | None:
        """How many persons the building may hold, or None if not set."""
        ...


@dataclass(frozen=True)
class StaticRuleContext:
    """A `RuleContext` from plain dicts, keyed site first where names are per site."""

    persons: Mapping[str, Mapping[str, PersonFacts]] = field(default_factory=dict)
    device_gates: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    camera_gates: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    gate_buildings: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    hours: Mapping[str, BusinessHours] = field(default_factory=dict)
    colours: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    capacities: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def person(self, site: str, subject: str) -> PersonFacts | None:
        """Facts about a person of the site by pseudonym, or None if unknown."""
        return self.persons.get(site, {}).get(subject)

    def gate_of_device(self, site: str, device: str) -> str | None:
        """The gate a device belongs to."""
        return self.device_gates.get(site, {}).get(device)

    def gates_of_camera(self, site: str, camera: str) -> tuple[str, ...]:
        """The gates a camera looks at."""
        return tuple(self.camera_gates.get(site, {}).get(camera, ()))

    def building_of_gate(self, site: str, gate: str) -> str | None:
        """The building a gate leads into."""
        return self.gate_buildings.get(site, {}).get(gate)

    def business_hours(self, site: str) -> BusinessHours | None:
        """The site's business hours."""
        return self.hours.get(site)

    def enterprise_colour(self, site: str, enterprise: str) -> str | None:
        """The enterprise's risk colour."""
        return self.colours.get(site, {}).get(enterprise)

    def building_capacity(self, site: str, building: str) -> int | None:
        """The building's capacity."""
        return self.capacities.get(site, {}).get(building)
