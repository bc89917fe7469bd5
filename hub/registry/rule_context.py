"""The rules' view of the registry: the live snapshot behind the RuleContext port."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hub.alarms.settings import BusinessHoursSettings
from hub.registry.live import LiveRegistry
from hub.rules.context import BusinessHours, PersonFacts


class RegistryRuleContext:
    """Answers the rules' questions from whatever registry snapshot is current."""

    def __init__(
        self,
        live: LiveRegistry,
        hours: BusinessHoursSettings,
        site_hours: Mapping[str, BusinessHoursSettings] | None = None,
        colours: Callable[[str, str], str | None] | None = None,
    ) -> None:
        self._live = live
        self._hours = hours
        self._site_hours = dict(site_hours or {})
        # The stability colours in force (hub.stats), looked up in memory per call.
        self._colours = colours

    def person(self, site: str, subject: str) -> PersonFacts | None:
        """Enterprise, type and after-hours permission of a person, by pseudonym."""
        facts = self._live.current.person(site, subject)
        if facts is None:
            return None
        return PersonFacts(facts.enterprise, facts.person_type, facts.after_hours)

    def gate_of_device(self, site: str, device: str) -> str | None:
        """The gate a reader, scanner or turnstile belongs to."""
        return self._live.current.gate_of_device(site, device)

    def gates_of_camera(self, site: str, camera: str) -> tuple[str, ...]:
        """The gates a camera looks at."""
        return self._live.current.gates_of_camera(site, camera)

    def building_of_gate(self, site: str, gate: str) -> str | None:
        """The building a gate leads into (None for a site gate)."""
        return self._live.current.building_of_gate(site, gate)

    def business_hours(self, site: str) -> BusinessHours | None:
        """The site's opening hours in its time zone; None for a site the registry lacks."""
        lookup = self._live.current.sites.get(site)
        if lookup is None:
            return None
        hours = self._site_hours.get(site, self._hours)
        return BusinessHours(hours.start, hours.end, lookup.site.timezone, frozenset(hours.days))

    def enterprise_colour(self, site: str, enterprise: str) -> str | None:
        """The enterprise's stability colour in force; None if none is assessed."""
        return None if self._colours is None else self._colours(site, enterprise)

    def building_capacity(self, site: str, building: str) -> int | None:
        """How many people a building may hold, if set."""
        return self._live.current.building_capacity(site, building)
