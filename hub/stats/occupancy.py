"""Occupancy: persons in each building and on the site, from one source of truth per area.

Pure: values in, values out; the caller hands in times. An *area* is a building, or the
site's grounds (None) behind its outer gates. Only gates that lead in or out of an area
count: main gates, lobby turnstiles and loading docks. Floor doors move people within a
building and vehicle gates move cars, so they never count.

Each area's source of truth is chosen from the registry, first match wins:
  access      its gates have access readers: granted passages, +1 in, -1 out; a reader
              registered as `in` or `out` counts that way whatever the event says, one
              registered `both` follows the event's direction;
  camera      else line-crossing cameras looking at its gates (and no other area's):
              `in` - `out` of each crossing;
  place_scan  else sentinels and place codes at its gates: each pass is an entry. No
              exit is seen, so this is the day's entries, an upper bound.
The other devices at the area's gates are ignored, so nobody is counted twice.

The site's figure is its grounds' count when its outer gates count (everyone inside came
through them), else the sum of its buildings. Counts never go below zero (a missed entry
must not make later exits negative) and start from zero at the site's local midnight (a
missed exit must not inflate the count for ever).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from hub.registry.snapshot import SiteLookup
from sitewatch.protocol import Access, Camera, Event, PlaceScan
from sitewatch.registry import Gate

Source = Literal["access", "camera", "place_scan"]
Area = str | None  # a building id, or None for the site's grounds
COUNTING_GATE_KINDS = frozenset({"main_gate", "lobby_turnstile", "loading_dock"})


@dataclass(frozen=True, slots=True)
class CountingDevice:
    """A device whose events move an area's count, and the direction it is registered for."""

    area: Area
    source: Source
    direction: Literal["in", "out", "both"] = "both"


@dataclass(frozen=True)
class SitePlan:
    """How one site is counted: each area's source and the devices of those sources."""

    site: str
    timezone: str
    buildings: tuple[str, ...]
    sources: Mapping[Area, Source]
    devices: Mapping[str, CountingDevice]
    capacities: Mapping[str, int | None] = field(default_factory=dict)

    def local_date(self, ts: datetime) -> date:
        """The site's calendar date at `ts`."""
        return ts.astimezone(_zone(self.timezone)).date()


@dataclass(frozen=True, slots=True)
class Passage:
    """What occupancy needs of an event (live, or read back from the ledger)."""

    id: str
    site: str
    device: str
    kind: str
    ts: datetime
    result: str | None  # access result, place-scan verdict or camera type
    direction: str | None = None
    in_: int = 0
    out: int = 0


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def passage_of(event: Event) -> Passage | None:
    """The passage an access, place-scan or camera event describes; None for other kinds."""
    if isinstance(event, Access):
        return Passage(event.id, event.site, event.device, "access", event.ts, event.result,
                       event.direction)
    if isinstance(event, PlaceScan):
        return Passage(event.id, event.site, event.device, "place_scan", event.ts, event.verdict)
    if isinstance(event, Camera):
        return Passage(event.id, event.site, event.device, "camera", event.ts, event.type,
                       in_=event.in_ or 0, out=event.out or 0)
    return None


def site_plan(lookup: SiteLookup) -> SitePlan:
    """The counting plan of a site from its registry entries."""
    areas: dict[Area, list[Gate]] = {}
    for gate in lookup.gates.values():
        if gate.kind in COUNTING_GATE_KINDS:
            areas.setdefault(gate.building, []).append(gate)
    area_of_gate = {gate.id: area for area, gates in areas.items() for gate in gates}
    sources: dict[Area, Source] = {}
    devices: dict[str, CountingDevice] = {}
    for area, gates in areas.items():
        found = _area_devices(area, gates, lookup, area_of_gate)
        if found:
            sources[area] = next(iter(found.values())).source
            devices.update(found)
    return SitePlan(
        site=lookup.site.id,
        timezone=lookup.site.timezone,
        buildings=tuple(b.id for b in lookup.site.buildings),
        sources=sources,
        devices=devices,
        capacities=dict(lookup.capacities),
    )


def _area_devices(
    area: Area, gates: list[Gate], lookup: SiteLookup, area_of_gate: Mapping[str, Area]
) -> dict[str, CountingDevice]:
    """The devices of the first source the area has: readers, counting cameras, scanners."""
    readers = {r.id: CountingDevice(area, "access", r.direction) for g in gates for r in g.readers}
    if readers:
        return readers
    gate_ids = {g.id for g in gates}
    cameras = {
        camera.id: CountingDevice(area, "camera")
        for camera in lookup.cameras.values()
        if "line_crossing" in camera.analytics
        and gate_ids & set(camera.gates)
        # A camera whose gates lead into several areas cannot say which one a crossing entered.
        and {area_of_gate[g] for g in camera.gates if g in area_of_gate} == {area}
    }
    if cameras:
        return cameras
    scanners = [d for g in gates for d in (*g.sentinels, *g.place_codes)]
    return {device: CountingDevice(area, "place_scan") for device in scanners}


def movement(plan: SitePlan, passage: Passage) -> tuple[Area, int] | None:
    """The area a passage moves and by how many persons; None if it does not count."""
    device = plan.devices.get(passage.device)
    if device is None or device.source != passage.kind:
        return None
    if passage.kind == "access":
        if passage.result != "granted":
            return None
        direction = passage.direction if device.direction == "both" else device.direction
        return device.area, 1 if direction == "in" else -1
    if passage.kind == "place_scan":
        return (device.area, 1) if passage.result == "pass" else None
    if passage.result != "line_crossing" or passage.in_ == passage.out:
        return None
    return device.area, passage.in_ - passage.out


class OccupancyCounter:
    """Running counts per site and area for the site's current local day. Not thread-safe."""

    def __init__(self) -> None:
        self._days: dict[str, date] = {}
        self._counts: dict[str, dict[Area, int]] = {}

    def apply(self, plan: SitePlan, passage: Passage) -> tuple[Area, int] | None:
        """Count a passage; the area it changed and its new count, or None if unchanged."""
        moved = movement(plan, passage)
        if moved is None:
            return None
        day = plan.local_date(passage.ts)
        current = self._days.get(plan.site)
        if current is None or day > current:
            self._days[plan.site] = day  # the first passage of a new day: start from zero
            self._counts[plan.site] = {}
        elif day < current:
            return None  # a late event of a day already over changes nothing now
        area, delta = moved
        counts = self._counts[plan.site]
        counts[area] = max(0, counts.get(area, 0) + delta)
        return area, counts[area]

    def apply_all(self, plans: Mapping[str, SitePlan], passages: Iterable[Passage]) -> None:
        """Count passages in order, each by its site's plan (unknown sites are skipped)."""
        for passage in passages:
            plan = plans.get(passage.site)
            if plan is not None:
                self.apply(plan, passage)

    def counts(self, plan: SitePlan, now: datetime) -> dict[Area, int]:
        """Each area's count now: none after the site's local midnight until a passage."""
        if self._days.get(plan.site) != plan.local_date(now):
            return {}
        return dict(self._counts.get(plan.site, {}))


@dataclass(frozen=True, slots=True)
class BuildingOccupancy:
    """Persons in one building now."""

    building: str
    persons: int | None  # None: no source of truth counts this building
    capacity: int | None
    source: Source | None


@dataclass(frozen=True, slots=True)
class SiteOccupancy:
    """Persons on a site and in each of its buildings now."""

    site: str
    persons: int
    source: Literal["grounds", "buildings"]
    buildings: tuple[BuildingOccupancy, ...]


def site_occupancy(plan: SitePlan, counts: Mapping[Area, int]) -> SiteOccupancy:
    """The site's figures from its area counts, as the module docstring explains."""
    buildings = tuple(
        BuildingOccupancy(
            b, counts.get(b, 0) if b in plan.sources else None,
            plan.capacities.get(b), plan.sources.get(b),
        )
        for b in plan.buildings
    )
    if None in plan.sources:
        return SiteOccupancy(plan.site, counts.get(None, 0), "grounds", buildings)
    total = sum(b.persons or 0 for b in buildings)
    return SiteOccupancy(plan.site, total, "buildings", buildings)
