"""The simulated people of a site: staff, a pool of returning visitors, and couriers.

Each person gets stable raw identifiers drawn from the seed and, once, their pseudonyms;
the day simulation only ever touches the pseudonyms.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from edge_agent.simulation.identities import (
    fake_card_number,
    fake_id_number,
    fake_pass_code,
    fake_plate,
)
from edge_agent.simulation.registry import Enterprise, SimulationProfile, SiteRegistry
from sitewatch.protocol.pseudonym import pseudonymise

# A visitor pool this many days deep makes some visitors come back, as they do.
_VISITOR_POOL_DAYS = 15
_COURIERS = 24


@dataclass(frozen=True, slots=True)
class Person:
    """One simulated person: raw identifiers (never sent) and the pseudonyms that are."""

    id_number: str
    card_number: str
    subject: str
    card_ref: str
    after_hours: bool = False
    plate: str | None = None
    # Personal habit in minutes: some people are always early, some always late.
    punctuality_min: float = 0.0


@dataclass(frozen=True, slots=True)
class Population:
    """Everyone who may show up at the site, by enterprise and role."""

    staff: dict[str, tuple[Person, ...]]
    visitors: dict[str, tuple[Person, ...]]
    couriers: tuple[Person, ...]

    def everyone(self) -> list[Person]:
        """All simulated people, staff first."""
        people = [p for group in self.staff.values() for p in group]
        people += [p for group in self.visitors.values() for p in group]
        return people + list(self.couriers)

    def raw_identifiers(self) -> set[str]:
        """Every raw identifier of every simulated person (for checks that none leaks)."""
        return {raw for p in self.everyone() for raw in (p.id_number, p.card_number)}


def site_population(registry: SiteRegistry, site_key: bytes, seed: int) -> Population:
    """The people a traffic model of `registry` with this seed simulates (the hub's demo
    registry lists the same people)."""
    profile = registry.simulation or SimulationProfile()
    rng = random.Random(f"{seed}:population")
    return build_population(registry, site_key, rng, profile.drive_share)


def build_population(
    registry: SiteRegistry, site_key: bytes, rng: random.Random, drive_share: float
) -> Population:
    """Draw the people of every enterprise, their visitors and the couriers from `rng`."""
    staff: dict[str, tuple[Person, ...]] = {}
    visitors: dict[str, tuple[Person, ...]] = {}
    for enterprise in registry.enterprises:
        staff[enterprise.id] = tuple(
            _staff_member(enterprise, site_key, rng, drive_share)
            for _ in range(enterprise.headcount)
        )
        pool = max(5, round(enterprise.visitors_per_day * _VISITOR_POOL_DAYS))
        visitors[enterprise.id] = tuple(
            _person(site_key, rng, fake_pass_code(rng)) for _ in range(pool)
        )
    couriers = tuple(_person(site_key, rng, fake_card_number(rng)) for _ in range(_COURIERS))
    return Population(staff, visitors, couriers)


def _staff_member(
    enterprise: Enterprise, site_key: bytes, rng: random.Random, drive_share: float
) -> Person:
    base = _person(site_key, rng, fake_card_number(rng))
    return Person(
        id_number=base.id_number,
        card_number=base.card_number,
        subject=base.subject,
        card_ref=base.card_ref,
        after_hours=rng.random() < enterprise.after_hours_share,
        plate=fake_plate(rng) if rng.random() < drive_share else None,
        punctuality_min=rng.gauss(0.0, 8.0),
    )


def _person(site_key: bytes, rng: random.Random, card_number: str) -> Person:
    """A person whose credential is `card_number` (an access card or a visitor pass)."""
    id_number = fake_id_number(rng)
    return Person(
        id_number=id_number,
        card_number=card_number,
        subject=pseudonymise(site_key, id_number),
        card_ref=pseudonymise(site_key, card_number),
    )
