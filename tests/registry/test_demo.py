"""The demo's hub registry and its simulated agents agree on every place and person."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from edge_agent.simulation import TrafficModel, load_registry
from hub.registry import RegistryImport, RegistryStore, build_snapshot, enrich
from sitewatch.demo_registry import DEFAULT_SEED, demo_registry
from sitewatch.protocol import Event, event_adapter

KEY = "demo-coherence-site-key-0123456789"
SITE = "riverside-science-park"


@pytest.fixture(scope="module")
def wednesday() -> list[Event]:
    """A simulated Wednesday at both gateways, as validated events."""
    events = []
    for gateway in ("gw-north", "gw-south"):
        model = TrafficModel(load_registry(), gateway, KEY.encode(), DEFAULT_SEED)
        events += [
            event_adapter.validate_python({
                "v": 1, "id": f"01J{seq:023d}", "seq": seq, "ts": draft.ts, "site": SITE,
                "gateway": gateway, "device": draft.device, "kind": draft.kind, **draft.fields,
            })
            for seq, draft in enumerate(model.day_drafts(date(2025, 3, 12)), start=1)
        ]
    return events


def test_every_simulated_person_and_device_is_in_the_demo_registry(wednesday: list[Event]) -> None:
    registry = demo_registry(KEY)
    assert registry.site.id == SITE and len(registry.enterprises) == 12
    types = Counter(person.type for person in registry.persons)
    assert types["employee"] == sum(e.headcount for e in registry.enterprises)
    assert types["visitor"] > 1000 and types["staff"] > 0
    snapshot = build_snapshot(1, [registry])
    people = [
        e for e in wednesday
        if (e.kind == "place_scan") or (e.kind == "access" and e.credential.ref is not None)
    ]
    assert len(people) > 2000
    enriched = [enrich(e, snapshot) for e in people]
    assert all(x.person_type is not None for x in enriched), "a simulated person is unknown"
    assert {x.person_type for x in enriched} == {"employee", "visitor", "staff"}
    assert all(enrich(e, snapshot).gate or e.kind == "sensor" for e in wednesday)
    # Each person badges in where their enterprise is: floor doors belong to one tenant.
    floor_door = [x for x in enriched if x.gate == "ta-18f-door"]
    assert floor_door and {x.enterprise for x in floor_door} == {"lianxin-fintech"}


def test_the_demo_registry_imports_whole(ledger_url: str) -> None:
    store = RegistryStore.open(ledger_url)
    try:
        store.migrate()
        report = store.apply(RegistryImport.of_document(demo_registry(KEY)))
        assert report.rejected == ()
        assert report.imported["person"] == report.imported["credential"] > 3000
        revision, [document] = store.read_all()
        assert revision == 1 and len(document.persons) == report.imported["person"]
    finally:
        store.close()
