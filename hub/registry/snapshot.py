"""An immutable, in-memory view of the registry for the hot path: dict lookups only.

Built from the site documents in one go and never changed afterwards, so any number of
threads read it without a lock; a newer registry makes a new snapshot (hub.registry.live).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

from hub.records import NO_ENRICHMENT, Enrichment
from sitewatch.registry import CameraSpec, Enterprise, Gate, Site, SiteRegistry

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What the registry says of a person: their enterprise, type and after-hours permission."""

    pseudonym: str
    enterprise: str | None
    person_type: str
    after_hours: bool


@dataclass(frozen=True)
class SiteLookup:
    """One site's lookups; each mapping is read-only."""

    site: Site
    # Where each device is (building, floor, gate): the enrichment of its events before
    # anyone is known, prepared once per device rather than made per event.
    places: Mapping[str, Enrichment]
    camera_gates: Mapping[str, tuple[str, ...]]
    gate_cameras: Mapping[str, tuple[str, ...]]
    gate_buildings: Mapping[str, str | None]
    persons: Mapping[str, PersonFacts]
    credentials: Mapping[tuple[str, str], PersonFacts]  # (type, ref)
    enterprises: Mapping[str, Enterprise]
    capacities: Mapping[str, int | None] = field(default_factory=dict)
    # The site's gates and cameras as registered (kinds, reader directions, analytics),
    # for what derives figures from the stream, such as occupancy (hub.stats).
    gates: Mapping[str, Gate] = field(default_factory=dict)
    cameras: Mapping[str, CameraSpec] = field(default_factory=dict)


@dataclass(frozen=True)
class RegistrySnapshot:
    """Every site's lookups as of one registry revision."""

    revision: int
    sites: Mapping[str, SiteLookup]

    def place(self, site: str, device: str) -> Enrichment:
        """Building, floor and gate of a device (all None if unknown)."""
        lookup = self.sites.get(site)
        return NO_ENRICHMENT if lookup is None else lookup.places.get(device, NO_ENRICHMENT)

    def gate_of_device(self, site: str, device: str) -> str | None:
        """The gate a scanner, reader or plate camera belongs to (or a one-gate camera's)."""
        return self.place(site, device).gate

    def gates_of_camera(self, site: str, camera: str) -> tuple[str, ...]:
        """The gates a camera looks at."""
        lookup = self.sites.get(site)
        return () if lookup is None else lookup.camera_gates.get(camera, ())

    def cameras_at_gate(self, site: str, gate: str) -> tuple[str, ...]:
        """The cameras that look at a gate: where to find footage of who passed it."""
        lookup = self.sites.get(site)
        return () if lookup is None else lookup.gate_cameras.get(gate, ())

    def building_of_gate(self, site: str, gate: str) -> str | None:
        """The building a gate leads into; None for a site's outer gates."""
        lookup = self.sites.get(site)
        return None if lookup is None else lookup.gate_buildings.get(gate)

    def building_capacity(self, site: str, building: str) -> int | None:
        """How many people a building may hold, if set."""
        lookup = self.sites.get(site)
        return None if lookup is None else lookup.capacities.get(building)

    def person(self, site: str, pseudonym: str) -> PersonFacts | None:
        """A person of a site by pseudonym."""
        lookup = self.sites.get(site)
        return None if lookup is None else lookup.persons.get(pseudonym)

    def credential_holder(self, site: str, type_: str, ref: str) -> PersonFacts | None:
        """Whose card, face, pass or PIN this is."""
        lookup = self.sites.get(site)
        return None if lookup is None else lookup.credentials.get((type_, ref))

    def enterprise(self, site: str, enterprise: str) -> Enterprise | None:
        """An enterprise's record."""
        lookup = self.sites.get(site)
        return None if lookup is None else lookup.enterprises.get(enterprise)


EMPTY_SNAPSHOT = RegistrySnapshot(revision=-1, sites=MappingProxyType({}))


def build_snapshot(revision: int, documents: Iterable[SiteRegistry]) -> RegistrySnapshot:
    """The lookups of these site documents (with their people) at `revision`."""
    return RegistrySnapshot(revision, _frozen({d.site.id: _site_lookup(d) for d in documents}))


def _site_lookup(document: SiteRegistry) -> SiteLookup:
    gates = {gate.id: gate for gate in document.gates}
    places: dict[str, Enrichment] = {}
    for gate in document.gates:
        place = Enrichment(gate.building, gate.floor, gate.id)
        places.update(dict.fromkeys(gate.device_ids(), place))
    for camera in document.cameras:
        places[camera.id] = _camera_place(camera, gates)
    for sensor in document.sensors:
        places[sensor.id] = Enrichment(sensor.building, sensor.floor)
    gate_cameras: dict[str, list[str]] = {}
    for camera in document.cameras:
        for gate_id in camera.gates:
            gate_cameras.setdefault(gate_id, []).append(camera.id)
    persons = {
        p.pseudonym: PersonFacts(p.pseudonym, p.enterprise, p.type, p.after_hours)
        for p in document.persons
    }
    credentials: dict[tuple[str, str], PersonFacts] = {
        (c.type, c.ref): persons[c.person] for c in document.credentials if c.person in persons
    }
    return SiteLookup(
        site=document.site,
        places=_frozen(places),
        camera_gates=_frozen({c.id: tuple(c.gates) for c in document.cameras}),
        gate_cameras=_frozen({g: tuple(cameras) for g, cameras in gate_cameras.items()}),
        gate_buildings=_frozen({g.id: g.building for g in document.gates}),
        persons=_frozen(persons),
        credentials=_frozen(credentials),
        enterprises=_frozen({e.id: e for e in document.enterprises}),
        capacities=_frozen({b.id: b.capacity for b in document.site.buildings}),
        gates=_frozen(gates),
        cameras=_frozen({c.id: c for c in document.cameras}),
    )


def _camera_place(camera: CameraSpec, gates: Mapping[str, Gate]) -> Enrichment:
    """A camera's own building and floor, else those its gates share; its gate if only one."""
    looked_at = [gates[g] for g in camera.gates if g in gates]
    buildings = {g.building for g in looked_at}
    floors = {g.floor for g in looked_at}
    building = camera.building or (buildings.pop() if len(buildings) == 1 else None)
    floor = camera.floor
    if floor is None and len(floors) == 1 and building is not None:
        floor = floors.pop()
    gate = camera.gates[0] if len(camera.gates) == 1 else None
    return Enrichment(building, floor, gate)


def _frozen(mapping: dict[K, V]) -> Mapping[K, V]:
    return MappingProxyType(mapping)
