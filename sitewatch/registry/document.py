"""The site registry document: one site, its devices and tenants, as one YAML or JSON file.

The edge simulator reads it to know what to simulate; the hub imports the same file into
its registry and exports it again. Facts about the site live here; simulator knobs are
kept apart in the optional `simulation:` section, which the hub ignores.
"""

from __future__ import annotations

import importlib.resources
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import orjson
import yaml
from pydantic import Field, model_validator

from sitewatch.registry.base import RegistryModel
from sitewatch.registry.simulation import SimulationProfile
from sitewatch.registry.site import Building, CameraSpec, Gate, Gateway, SensorSpec, Site
from sitewatch.registry.tenants import Credential, Enterprise, Person


class SiteRegistry(RegistryModel):
    """Everything known about one site; references between entries are checked on load."""

    site: Site = Field(description="the site and its buildings")
    gates: list[Gate] = Field(default_factory=list, description="gates and doors")
    cameras: list[CameraSpec] = Field(default_factory=list, description="cameras")
    sensors: list[SensorSpec] = Field(default_factory=list, description="facility sensors")
    gateways: list[Gateway] = Field(default_factory=list, description="gateways at the site")
    enterprises: list[Enterprise] = Field(default_factory=list, description="tenants")
    persons: list[Person] = Field(default_factory=list, description="people, by pseudonym")
    credentials: list[Credential] = Field(
        default_factory=list, description="cards, faces, passes and PINs of those people"
    )
    simulation: SimulationProfile | None = Field(
        None, description="simulator-only knobs; ignored outside the simulator"
    )

    def building(self, building_id: str) -> Building:
        """The building with this id."""
        return _by_id(self.site.buildings, building_id, "building")

    def gateway(self, gateway_id: str) -> Gateway:
        """The gateway with this id."""
        return _by_id(self.gateways, gateway_id, "gateway")

    def served_devices(self, gateway_id: str) -> frozenset[str]:
        """Every device id whose events the gateway sends: gate devices, cameras, sensors."""
        gateway = self.gateway(gateway_id)
        gates = set(gateway.gates)
        devices = {d for g in self.gates if g.id in gates for d in g.device_ids()}
        devices.update(c.id for c in self.cameras if gates.intersection(c.gates))
        devices.update(gateway.cameras)
        devices.update(gateway.sensors)
        return frozenset(devices)

    @model_validator(mode="after")
    def _unique_ids(self) -> SiteRegistry:
        devices = [d for g in self.gates for d in g.device_ids()]
        devices += [c.id for c in self.cameras] + [s.id for s in self.sensors]
        _unique([b.id for b in self.site.buildings], "building")
        _unique([g.id for g in self.gates], "gate")
        _unique(devices, "device")
        _unique([g.id for g in self.gateways], "gateway")
        _unique([e.id for e in self.enterprises], "enterprise")
        _unique([e.uscc for e in self.enterprises], "unified social credit code")
        _unique([p.pseudonym for p in self.persons], "person")
        _unique([f"{c.type} {c.ref}" for c in self.credentials], "credential")
        return self

    @model_validator(mode="after")
    def _known_places(self) -> SiteRegistry:
        buildings = {b.id: b for b in self.site.buildings}
        places: list[tuple[str, str | None, int | None]] = []
        places += [(g.id, g.building, g.floor) for g in self.gates]
        places += [(s.id, s.building, s.floor) for s in self.sensors]
        places += [(e.id, e.building, e.floor) for e in self.enterprises]
        places += [(c.id, c.building, c.floor) for c in self.cameras]
        for place_id, building_id, floor in places:
            if problem := place_problem(buildings, building_id, floor):
                raise ValueError(f"{place_id}: {problem}")
        gate_ids = {g.id for g in self.gates}
        for camera in self.cameras:
            if unknown := sorted(set(camera.gates) - gate_ids):
                raise ValueError(f"{camera.id}: unknown gate {', '.join(map(repr, unknown))}")
        return self

    @model_validator(mode="after")
    def _gateways_serve_known_devices_once(self) -> SiteRegistry:
        known = {g.id for g in self.gates} | {c.id for c in self.cameras}
        known |= {s.id for s in self.sensors}
        for gateway in self.gateways:
            if missing := sorted({*gateway.gates, *gateway.cameras, *gateway.sensors} - known):
                raise ValueError(f"gateway {gateway.id}: unknown {', '.join(missing)}")
        # Two gateways sending one device's events would duplicate them in the ledger.
        served = [d for g in self.gateways for d in self.served_devices(g.id)]
        _unique(served, "device served by more than one gateway:")
        return self

    @model_validator(mode="after")
    def _people_belong(self) -> SiteRegistry:
        enterprises = {e.id for e in self.enterprises}
        for person in self.persons:
            if person.enterprise is not None and person.enterprise not in enterprises:
                raise ValueError(
                    f"person {person.pseudonym}: unknown enterprise {person.enterprise!r}"
                )
        persons = {p.pseudonym for p in self.persons}
        for credential in self.credentials:
            if credential.person not in persons:
                raise ValueError(f"credential {credential.ref}: unknown person {credential.person}")
        return self


def place_problem(
    buildings: dict[str, Building], building_id: str | None, floor: int | None
) -> str | None:
    """Why (building, floor) is not a place of the site, or None when it is."""
    if building_id is None:
        return None if floor is None else f"floor {floor} is given without a building"
    building = buildings.get(building_id)
    if building is None:
        return f"unknown building {building_id!r}"
    if floor is not None and not building.has_floor(floor):
        return f"{building.id} has no floor {floor}"
    return None


_Item = TypeVar("_Item", Building, Gateway)


def _unique(ids: Iterable[str], what: str) -> None:
    if duplicates := sorted(i for i, n in Counter(ids).items() if n > 1):
        raise ValueError(f"duplicate {what} {', '.join(duplicates)}")


def _by_id(items: list[_Item], item_id: str, what: str) -> _Item:
    for item in items:
        if item.id == item_id:
            return item
    raise KeyError(f"no {what} {item_id!r} in the registry")


def read_document(path: Path) -> dict[str, Any]:
    """The mapping in a YAML or JSON (by its suffix) registry file, not yet validated."""
    raw = path.read_bytes()
    try:
        document = orjson.loads(raw) if path.suffix.lower() == ".json" else yaml.safe_load(raw)
    except yaml.YAMLError as exc:  # orjson's errors are ValueErrors already
        raise ValueError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise ValueError(f"{path}: a registry file holds a mapping at its top level")
    return document


def load_registry(path: Path | None = None) -> SiteRegistry:
    """Read and validate a registry YAML or JSON file; the bundled demo site when None."""
    if path is None:
        text = (
            importlib.resources.files("sitewatch.data")
            .joinpath("demo_site.yaml")
            .read_text(encoding="utf-8")
        )
        return SiteRegistry.model_validate(yaml.safe_load(text))
    return SiteRegistry.model_validate(read_document(path))
