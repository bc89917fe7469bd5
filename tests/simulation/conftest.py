"""Fixtures of the simulation tests: the demo registry and one simulated weekday per gateway."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from edge_agent.ports import Draft
from edge_agent.simulation import SiteRegistry, TrafficModel, load_registry

SITE_KEY = b"riverside-test-site-key-0123456789"
SEED = 20250312
SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY = datetime(2025, 3, 12, tzinfo=SHANGHAI)
GATEWAYS = ("gw-north", "gw-south")


@pytest.fixture(scope="session")
def demo() -> SiteRegistry:
    """The bundled demo site."""
    return load_registry()


@pytest.fixture(scope="session")
def models(demo: SiteRegistry) -> dict[str, TrafficModel]:
    """A traffic model per demo gateway, same seed."""
    return {gw: TrafficModel(demo, gw, SITE_KEY, SEED) for gw in GATEWAYS}


@pytest.fixture(scope="session")
def weekday(models: dict[str, TrafficModel]) -> dict[str, list[Draft]]:
    """The drafts of one simulated Wednesday, midnight to midnight, per gateway."""
    end = WEDNESDAY + timedelta(days=1)
    return {gw: list(m.events_between(WEDNESDAY, end)) for gw, m in models.items()}
