"""The simulator's view of the site registry: the shared model of `sitewatch.registry`.

The simulator and the hub read the same file with the same model; this module only
gathers the names the simulator uses.
"""

from sitewatch.registry import (
    WEEKDAYS,
    Building,
    CameraSpec,
    DirectionalDevice,
    Enterprise,
    Gate,
    Gateway,
    SensorSpec,
    SimulationProfile,
    Site,
    SiteRegistry,
    WorkingHours,
    load_registry,
)

__all__ = [
    "WEEKDAYS",
    "Building",
    "CameraSpec",
    "DirectionalDevice",
    "Enterprise",
    "Gate",
    "Gateway",
    "SensorSpec",
    "SimulationProfile",
    "Site",
    "SiteRegistry",
    "WorkingHours",
    "load_registry",
]
