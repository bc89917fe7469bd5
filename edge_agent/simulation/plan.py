"""Routes through a site, read off its registry: the gates people pass on their way in."""

from __future__ import annotations

from collections import defaultdict

from edge_agent.simulation.registry import DirectionalDevice, Gate, SiteRegistry


def lanes(devices: list[DirectionalDevice], direction: str) -> tuple[str, ...]:
    """Ids of the devices that read travel in `direction` ("in" or "out")."""
    return tuple(d.id for d in devices if d.direction in (direction, "both"))


class SitePlan:
    """The gates on the way from the street to a desk, by building and floor."""

    def __init__(self, registry: SiteRegistry) -> None:
        by_kind: dict[str, list[Gate]] = defaultdict(list)
        for gate in registry.gates:
            by_kind[gate.kind].append(gate)
        self.main_gates = tuple(by_kind["main_gate"])
        # A vehicle gate without an inbound plate camera cannot admit a car here.
        self.vehicle_gates = tuple(
            g for g in by_kind["vehicle_gate"] if lanes(g.plate_cameras, "in")
        )
        self.docks = tuple(by_kind["loading_dock"])
        self.floor_doors = tuple(by_kind["floor_door"])
        self._lobbies: dict[str, list[Gate]] = defaultdict(list)
        for gate in by_kind["lobby_turnstile"]:
            if gate.building is not None:
                self._lobbies[gate.building].append(gate)
        self._doors = {(g.building, g.floor): g for g in self.floor_doors}
        self.floors = {b.id: b.floors for b in registry.site.buildings}

    def lobbies(self, building: str) -> list[Gate]:
        """Lobby turnstiles of a building (empty when people walk straight in)."""
        return self._lobbies.get(building, [])

    def floor_door(self, building: str, floor: int) -> Gate | None:
        """The controlled door onto a floor, if it has one."""
        return self._doors.get((building, floor))
