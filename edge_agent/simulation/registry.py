"""The site registry: a site's buildings, gates, devices, gateways and tenant enterprises.

One YAML file describes one site. The edge simulator reads it to know what to simulate;
the hub imports the same file into its registry, so it holds facts about the site, with
simulator knobs kept apart in the optional `simulation:` section.
"""

from __future__ import annotations

import importlib.resources
from collections import Counter
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from edge_agent.simulation.identities import USCC_ALPHABET, uscc_check_char
from edge_agent.simulation.profile import SimulationProfile
from sitewatch.protocol.events import NAME_PATTERN

Id = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
Uscc = Annotated[str, StringConstraints(pattern=rf"^[{USCC_ALPHABET}]{{18}}$")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
GateKind = Literal["main_gate", "lobby_turnstile", "floor_door", "vehicle_gate", "loading_dock"]
CameraAnalytic = Literal["motion", "person", "line_crossing", "intrusion", "tamper", "crowd"]


def _refuse_sexagesimal(value: Any) -> Any:
    """YAML 1.1 reads an unquoted 18:00 as the integer 1080; refuse it rather than guess."""
    if isinstance(value, int):
        raise ValueError("write times as quoted strings, e.g. '18:00'")
    return value


ClockTime = Annotated[time, BeforeValidator(_refuse_sexagesimal)]


class RegistryModel(BaseModel):
    """Base of registry entries: unknown keys are typos, so they are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Building(RegistryModel):
    """A building of the site; floors are numbered 1..floors, basements -1..-basement_levels."""

    id: Id = Field(description="building id, unique in the site")
    name: str = Field(description="name shown to staff, e.g. 'Tower A'")
    floors: int = Field(ge=1, le=200, description="number of floors above ground")
    basement_levels: int = Field(0, ge=0, le=10, description="number of levels below ground")

    def has_floor(self, floor: int) -> bool:
        """Whether `floor` exists in this building (there is no floor 0)."""
        return -self.basement_levels <= floor <= self.floors and floor != 0


class Site(RegistryModel):
    """The site as a whole: where it is and what it is made of."""

    id: Id = Field(description="site id; the topic segment and the `site` field of events")
    name: str = Field(description="name of the site")
    timezone: str = Field(description="IANA time zone the site lives in, e.g. Asia/Shanghai")
    address: str | None = Field(None, description="postal address, for exports")
    buildings: list[Building] = Field(min_length=1, description="buildings of the site")

    @model_validator(mode="after")
    def _known_timezone(self) -> Site:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc
        return self


class DirectionalDevice(RegistryModel):
    """An access reader or plate-camera lane and the direction of travel it handles."""

    id: Id = Field(description="device id; the `device` field of its events")
    direction: Literal["in", "out", "both"] = Field(
        "both", description="direction of travel the device reads"
    )


class Gate(RegistryModel):
    """A gate or door: where people or vehicles cross, and the devices that see them cross."""

    id: Id = Field(description="gate id, unique in the site")
    name: str = Field(description="name shown to security staff")
    kind: GateKind = Field(description="what sort of entrance this is")
    building: Id | None = Field(None, description="building it belongs to; none for site gates")
    floor: int | None = Field(None, description="floor of a floor door or dock")
    sentinels: list[Id] = Field(
        default_factory=list, description="digital sentinel terminals (ID card / health code)"
    )
    place_codes: list[Id] = Field(default_factory=list, description="posted place codes")
    readers: list[DirectionalDevice] = Field(
        default_factory=list, description="access-control readers and turnstile lanes"
    )
    plate_cameras: list[DirectionalDevice] = Field(
        default_factory=list, description="licence-plate cameras, one per lane"
    )

    def device_ids(self) -> list[str]:
        """Ids of the scanners, readers and plate cameras at this gate."""
        lanes = [d.id for d in (*self.readers, *self.plate_cameras)]
        return [*self.sentinels, *self.place_codes, *lanes]


class CameraSpec(RegistryModel):
    """A camera, the gate it looks at, and the analytics it reports."""

    id: Id = Field(description="camera id; the `device` field of its events")
    name: str = Field(description="name shown to security staff")
    building: Id | None = Field(None, description="building it is in or on; none for site areas")
    gate: Id | None = Field(None, description="gate it looks at, if any")
    zone: str | None = Field(None, max_length=64, description="counting line or area it watches")
    analytics: list[CameraAnalytic] = Field(
        default_factory=lambda: list[CameraAnalytic](["line_crossing"]),
        description="analytics events it reports",
    )


class SensorSpec(RegistryModel):
    """A facility sensor: fire panel, elevator, water leak, power meter, door contact."""

    id: Id = Field(description="sensor id; the `device` field of its events")
    metric: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")] = Field(
        description="what it measures, e.g. smoke, elevator_fault, water_leak, power"
    )
    building: Id | None = Field(None, description="building it is in; none for site plant")
    floor: int | None = Field(None, description="floor it is on")
    unit: str | None = Field(None, max_length=16, description="unit of its readings, e.g. kW")


class Gateway(RegistryModel):
    """A gateway and what it serves: its gates (with their devices and cameras) and sensors."""

    id: Id = Field(description="gateway id; the topic segment and `gateway` field of events")
    name: str = Field(description="where the gateway is, for the operators")
    gates: list[Id] = Field(
        default_factory=list, description="gates it serves, with their devices and cameras"
    )
    cameras: list[Id] = Field(default_factory=list, description="cameras not at its gates")
    sensors: list[Id] = Field(default_factory=list, description="facility sensors it serves")


class WorkingHours(RegistryModel):
    """An enterprise's normal working day."""

    start: ClockTime = Field(description="local time work starts, e.g. 09:00")
    end: ClockTime = Field(description="local time work ends, after `start` the same day")
    days: list[Weekday] = Field(
        default_factory=lambda: list(WEEKDAYS[:5]), description="working days of the week"
    )

    @model_validator(mode="after")
    def _start_before_end(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("working hours must start before they end")
        return self


class Enterprise(RegistryModel):
    """A tenant enterprise: who it is, where it sits, and how its people use the site."""

    id: Id = Field(description="enterprise id, unique in the site")
    name: str = Field(description="registered name")
    uscc: Uscc = Field(description="18-character unified social credit code (GB 32100)")
    building: Id = Field(description="building of its premises")
    floor: int = Field(description="floor of its premises")
    headcount: int = Field(ge=0, le=100_000, description="staff with an access card")
    working_hours: WorkingHours = Field(description="normal working hours")
    visitors_per_day: float = Field(0.0, ge=0, description="visitors on a normal working day")
    after_hours_share: float = Field(
        0.0, ge=0, le=1, description="share of staff allowed in outside working hours"
    )
    lease_start: date | None = Field(None, description="first day of the lease")
    lease_end: date | None = Field(None, description="last day of the lease")

    @model_validator(mode="after")
    def _valid_uscc(self) -> Enterprise:
        if uscc_check_char(self.uscc[:17]) != self.uscc[17]:
            raise ValueError(f"unified social credit code {self.uscc} fails its check character")
        return self


class SiteRegistry(RegistryModel):
    """Everything known about one site; references between entries are checked on load."""

    site: Site = Field(description="the site and its buildings")
    gates: list[Gate] = Field(default_factory=list, description="gates and doors")
    cameras: list[CameraSpec] = Field(default_factory=list, description="cameras")
    sensors: list[SensorSpec] = Field(default_factory=list, description="facility sensors")
    gateways: list[Gateway] = Field(min_length=1, description="gateways at the site")
    enterprises: list[Enterprise] = Field(default_factory=list, description="tenants")
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
        devices.update(c.id for c in self.cameras if c.gate in gates)
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
        return self

    @model_validator(mode="after")
    def _known_places(self) -> SiteRegistry:
        buildings = {b.id: b for b in self.site.buildings}
        places: list[tuple[str, str | None, int | None]] = []
        places += [(g.id, g.building, g.floor) for g in self.gates]
        places += [(s.id, s.building, s.floor) for s in self.sensors]
        places += [(e.id, e.building, e.floor) for e in self.enterprises]
        places += [(c.id, c.building, None) for c in self.cameras]
        for place_id, building_id, floor in places:
            if building_id is None:
                continue
            building = buildings.get(building_id)
            if building is None:
                raise ValueError(f"{place_id}: unknown building {building_id!r}")
            if floor is not None and not building.has_floor(floor):
                raise ValueError(f"{place_id}: {building.id} has no floor {floor}")
        gate_ids = {g.id for g in self.gates}
        for camera in self.cameras:
            if camera.gate is not None and camera.gate not in gate_ids:
                raise ValueError(f"{camera.id}: unknown gate {camera.gate!r}")
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


_Item = TypeVar("_Item", Building, Gateway)


def _unique(ids: list[str], what: str) -> None:
    if duplicates := sorted(i for i, n in Counter(ids).items() if n > 1):
        raise ValueError(f"duplicate {what} {', '.join(duplicates)}")


def _by_id(items: list[_Item], item_id: str, what: str) -> _Item:
    for item in items:
        if item.id == item_id:
            return item
    raise KeyError(f"no {what} {item_id!r} in the registry")


def load_registry(path: Path | None = None) -> SiteRegistry:
    """Read and validate a registry YAML file; the bundled demo site when `path` is None."""
    if path is None:
        text = (
            importlib.resources.files("sitewatch.data")
            .joinpath("demo_site.yaml")
            .read_text(encoding="utf-8")
        )
    else:
        text = path.read_text(encoding="utf-8")
    return SiteRegistry.model_validate(yaml.safe_load(text))
