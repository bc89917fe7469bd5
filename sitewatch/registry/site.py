"""The physical site: buildings, gates and their devices, cameras, sensors and gateways."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, StringConstraints, model_validator

from sitewatch.registry.base import Id, RegistryModel

GateKind = Literal["main_gate", "lobby_turnstile", "floor_door", "vehicle_gate", "loading_dock"]
CameraAnalytic = Literal["motion", "person", "line_crossing", "intrusion", "tamper", "crowd"]
GATE_DEVICE_ROLES = ("sentinel", "place_code", "reader", "plate_camera")


class Building(RegistryModel):
    """A building of the site; floors are numbered 1..floors, basements -1..-basement_levels."""

    id: Id = Field(description="building id, unique in the site")
    name: str = Field(max_length=200, description="name shown to staff, e.g. 'Tower A'")
    floors: int = Field(ge=1, le=200, description="number of floors above ground")
    basement_levels: int = Field(0, ge=0, le=10, description="number of levels below ground")
    capacity: int | None = Field(
        None, ge=1, description="most people allowed inside at once; crowding is judged by it"
    )

    def has_floor(self, floor: int) -> bool:
        """Whether `floor` exists in this building (there is no floor 0)."""
        return -self.basement_levels <= floor <= self.floors and floor != 0


class Site(RegistryModel):
    """The site as a whole: where it is and what it is made of."""

    id: Id = Field(description="site id; the topic segment and the `site` field of events")
    name: str = Field(max_length=200, description="name of the site")
    timezone: str = Field(description="IANA time zone the site lives in, e.g. Asia/Shanghai")
    address: str | None = Field(None, description="postal address, for exports")
    buildings: list[Building] = Field(default_factory=list, description="buildings of the site")

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
    name: str = Field(max_length=200, description="name shown to security staff")
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
    """A camera, the gates it looks at, and the analytics it reports."""

    id: Id = Field(description="camera id; the `device` field of its events")
    name: str = Field(max_length=200, description="name shown to security staff")
    building: Id | None = Field(None, description="building it is in or on; none for site areas")
    floor: int | None = Field(None, description="floor it is on, if inside a building")
    gates: list[Id] = Field(default_factory=list, description="gates it looks at")
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
    name: str = Field(max_length=200, description="where the gateway is, for the operators")
    gates: list[Id] = Field(
        default_factory=list, description="gates it serves, with their devices and cameras"
    )
    cameras: list[Id] = Field(default_factory=list, description="cameras not at its gates")
    sensors: list[Id] = Field(default_factory=list, description="facility sensors it serves")
