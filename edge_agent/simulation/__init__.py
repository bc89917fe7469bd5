"""Simulated site traffic: the site registry, a deterministic traffic model, its settings."""

from edge_agent.simulation.model import TrafficModel
from edge_agent.simulation.registry import SimulationProfile, SiteRegistry, load_registry
from edge_agent.simulation.settings import SimulatorSourceSettings

__all__ = [
    "SimulationProfile",
    "SimulatorSourceSettings",
    "SiteRegistry",
    "TrafficModel",
    "load_registry",
]
