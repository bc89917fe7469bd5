"""The demo park as the hub's registry: the bundled site and the simulator's own people.

The simulated agents and the hub agree on who is who because both derive the people
from the same seed, and pseudonyms from the same site key: an event's subject or card is
then a registered person, and enrichment names their enterprise.
"""

from __future__ import annotations

from edge_agent.simulation.population import Person as SimulatedPerson
from edge_agent.simulation.population import site_population
from edge_agent.simulation.settings import SimulatorSourceSettings
from sitewatch.registry import (
    Credential,
    CredentialType,
    Person,
    PersonType,
    SiteRegistry,
    load_registry,
)

DEFAULT_SEED = SimulatorSourceSettings().seed  # what the demo's simulator sources play


def demo_registry(site_key: str, seed: int = DEFAULT_SEED) -> SiteRegistry:
    """The bundled demo site with every simulated person (by pseudonym) and their card or pass.

    Staff are the enterprises' employees with access cards, visitors hold QR passes of the
    enterprise they visit, couriers are site staff with dock cards. A person drawn twice
    (the same fake ID number) is listed once, with both credentials.
    """
    registry = load_registry(None)
    population = site_population(registry, site_key.encode("utf-8"), seed)
    persons: dict[str, Person] = {}
    credentials: dict[tuple[str, str], Credential] = {}

    def add(who: SimulatedPerson, enterprise: str | None, kind: PersonType,
            card: CredentialType) -> None:
        persons.setdefault(
            who.subject,
            Person(pseudonym=who.subject, enterprise=enterprise, type=kind,
                   after_hours=who.after_hours),
        )
        credentials.setdefault(
            (card, who.card_ref), Credential(type=card, ref=who.card_ref, person=who.subject)
        )

    for enterprise, staff in population.staff.items():
        for who in staff:
            add(who, enterprise, "employee", "card")
    for enterprise, visitors in population.visitors.items():
        for who in visitors:
            add(who, enterprise, "visitor", "qr")
    for who in population.couriers:
        add(who, None, "staff", "card")
    return SiteRegistry(
        **{**dict(registry), "persons": list(persons.values()),
           "credentials": list(credentials.values())}
    )
