"""The site registry shared by the simulator and the hub: places, devices, tenants, people."""

from sitewatch.registry.base import Id, RegistryModel
from sitewatch.registry.codes import USCC_ALPHABET, id_check_char, is_resident_id, uscc_check_char
from sitewatch.registry.document import SiteRegistry, load_registry, place_problem, read_document
from sitewatch.registry.simulation import SimulationProfile
from sitewatch.registry.site import (
    GATE_DEVICE_ROLES,
    Building,
    CameraAnalytic,
    CameraSpec,
    DirectionalDevice,
    Gate,
    GateKind,
    Gateway,
    SensorSpec,
    Site,
)
from sitewatch.registry.tenants import (
    WEEKDAYS,
    ClockTime,
    Credential,
    CredentialType,
    Enterprise,
    Person,
    PersonType,
    PropertyGrade,
    Weekday,
    WorkingHours,
)

__all__ = [
    "GATE_DEVICE_ROLES",
    "USCC_ALPHABET",
    "WEEKDAYS",
    "Building",
    "CameraAnalytic",
    "CameraSpec",
    "ClockTime",
    "Credential",
    "CredentialType",
    "DirectionalDevice",
    "Enterprise",
    "Gate",
    "GateKind",
    "Gateway",
    "Id",
    "Person",
    "PersonType",
    "PropertyGrade",
    "RegistryModel",
    "SensorSpec",
    "SimulationProfile",
    "Site",
    "SiteRegistry",
    "Weekday",
    "WorkingHours",
    "id_check_char",
    "is_resident_id",
    "load_registry",
    "place_problem",
    "read_document",
    "uscc_check_char",
]
