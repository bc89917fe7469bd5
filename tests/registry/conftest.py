"""Fixtures of the registry tests: a small site document, and a migrated store per engine."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest

from hub.registry import RegistryImport, RegistryStore
from sitewatch.registry import SiteRegistry, uscc_check_char

SITE = "harbour-park"


def pseudonym(name: str) -> str:
    """A 64-hex pseudonym standing for a person or card called `name`."""
    return hashlib.sha256(name.encode()).hexdigest()


def uscc(serial: int) -> str:
    """A valid unified social credit code, different for each serial."""
    first17 = f"91310115MA1{serial:06d}"
    return first17 + uscc_check_char(first17)


def site_data() -> dict[str, Any]:
    """A small site: two buildings, a main gate, a lobby, a floor door, cameras, a sensor."""
    return {
        "site": {
            "id": SITE, "name": "Harbour Park", "timezone": "Asia/Shanghai",
            "buildings": [
                {"id": "north", "name": "North Tower", "floors": 10, "basement_levels": 1,
                 "capacity": 800},
                {"id": "south", "name": "South Tower", "floors": 6},
            ],
        },
        "gates": [
            {"id": "main", "name": "Main gate", "kind": "main_gate", "sentinels": ["main-s1"]},
            {"id": "n-lobby", "name": "North lobby", "kind": "lobby_turnstile",
             "building": "north", "floor": 1,
             "readers": [{"id": "n-in", "direction": "in"}, {"id": "n-out", "direction": "out"}]},
            {"id": "n-7f", "name": "North 7F door", "kind": "floor_door", "building": "north",
             "floor": 7, "readers": [{"id": "n-7f-reader", "direction": "in"}]},
        ],
        "cameras": [
            {"id": "cam-lobby", "name": "North lobby", "gates": ["n-lobby"], "zone": "lobby"},
            {"id": "cam-wide", "name": "Plaza", "gates": ["main", "n-lobby"],
             "analytics": ["person", "crowd"]},
        ],
        "sensors": [{"id": "n-smoke-7", "metric": "smoke", "building": "north", "floor": 7}],
        "gateways": [
            {"id": "gw-1", "name": "Gatehouse", "gates": ["main", "n-lobby", "n-7f"],
             "sensors": ["n-smoke-7"]},
        ],
        "enterprises": [
            {"id": "acme", "name": "Acme Ltd.", "uscc": uscc(1), "building": "north", "floor": 7,
             "headcount": 40, "lease_start": "2024-01-01", "lease_end": "2026-12-31",
             "contact": "Ms. Li, 021-5555-0101", "property_grade": "good"},
            {"id": "blue", "name": "Blue Co.", "uscc": uscc(2), "building": "south", "floor": 3},
        ],
        "persons": [
            {"pseudonym": pseudonym("ann"), "enterprise": "acme", "type": "employee",
             "after_hours": True},
            {"pseudonym": pseudonym("bo"), "enterprise": "blue", "type": "visitor"},
            {"pseudonym": pseudonym("cy"), "type": "staff"},
        ],
        "credentials": [
            {"type": "card", "ref": pseudonym("card-ann"), "person": pseudonym("ann")},
            {"type": "qr", "ref": pseudonym("pass-bo"), "person": pseudonym("bo")},
        ],
    }


@pytest.fixture
def site() -> SiteRegistry:
    """The small site, validated."""
    return SiteRegistry.model_validate(site_data())


@pytest.fixture
def store(ledger_url: str) -> Iterator[RegistryStore]:
    """A migrated, empty registry store on each engine."""
    opened = RegistryStore.open(ledger_url)
    opened.migrate()
    yield opened
    opened.close()


@pytest.fixture
def loaded(store: RegistryStore, site: SiteRegistry) -> RegistryStore:
    """The store with the small site imported."""
    report = store.apply(RegistryImport.of_document(site))
    assert report.rejected == ()
    return store
