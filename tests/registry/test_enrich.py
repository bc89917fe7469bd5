"""Enrichment (pure): each kind of event against a snapshot of the small site."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from hub.records import NO_ENRICHMENT, Enrichment
from hub.registry import EMPTY_SNAPSHOT, LiveRegistry, RegistrySnapshot, build_snapshot, enrich
from sitewatch.protocol import Event, event_adapter
from sitewatch.registry import SiteRegistry
from tests.registry.conftest import SITE, pseudonym, site_data

ANN, BO = pseudonym("ann"), pseudonym("bo")


def event(device: str, kind: str, site: str = SITE, **fields: Any) -> Event:
    """A valid event of the small site."""
    defaults: dict[str, dict[str, Any]] = {
        "place_scan": {"subject": ANN, "method": "id_card", "health": "green", "verdict": "pass"},
        "access": {"credential": {"type": "card"}, "direction": "in", "result": "granted"},
        "camera": {"type": "line_crossing", "in": 3, "out": 1},
        "sensor": {"metric": "smoke", "value": 0.1},
        "vehicle": {"plate": "A12345", "direction": "in", "result": "granted"},
    }
    return event_adapter.validate_python({
        "v": 1, "id": "01J0000000000000000000000A", "seq": 1,
        "ts": datetime(2026, 11, 23, 9, tzinfo=UTC), "site": site, "gateway": "gw-1",
        "device": device, "kind": kind, **defaults[kind], **fields,
    })


@pytest.fixture(scope="module")
def snapshot() -> RegistrySnapshot:
    """The small site's lookups."""
    return build_snapshot(7, [SiteRegistry.model_validate(site_data())])


@pytest.mark.parametrize(
    ("happened", "expected"),
    [
        (event("main-s1", "place_scan"), Enrichment(None, None, "main", "acme", "employee")),
        (event("n-in", "access", subject=BO),
         Enrichment("north", 1, "n-lobby", "blue", "visitor")),
        # No subject: the card names its holder.
        (event("n-7f-reader", "access", credential={"type": "card", "ref": pseudonym("card-ann")}),
         Enrichment("north", 7, "n-7f", "acme", "employee")),
        # An unknown subject, a known pass: the pass still says whose it is.
        (event("n-in", "access", subject=pseudonym("nobody"),
               credential={"type": "qr", "ref": pseudonym("pass-bo")}),
         Enrichment("north", 1, "n-lobby", "blue", "visitor")),
        # A card ref under another credential type is another credential.
        (event("n-in", "access", credential={"type": "face", "ref": pseudonym("card-ann")}),
         Enrichment("north", 1, "n-lobby")),
        (event("n-out", "access", subject=pseudonym("cy")),
         Enrichment("north", 1, "n-lobby", None, "staff")),
        # A camera at one gate is at that gate; one at two gates is at neither.
        (event("cam-lobby", "camera"), Enrichment("north", 1, "n-lobby")),
        (event("cam-wide", "camera"), NO_ENRICHMENT),
        (event("n-smoke-7", "sensor"), Enrichment("north", 7, None)),
        (event("unknown-device", "place_scan"), Enrichment(None, None, None, "acme", "employee")),
        (event("main-s1", "place_scan", site="other-site"), NO_ENRICHMENT),
        (event("main-s1", "vehicle"), Enrichment(None, None, "main")),
    ],
)
def test_enrichment_of_each_kind(
    snapshot: RegistrySnapshot, happened: Event, expected: Enrichment
) -> None:
    assert enrich(happened, snapshot) == expected


def test_the_snapshot_answers_the_rules_lookups(snapshot: RegistrySnapshot) -> None:
    assert snapshot.revision == 7
    assert snapshot.gate_of_device(SITE, "n-in") == "n-lobby"
    assert snapshot.gates_of_camera(SITE, "cam-wide") == ("main", "n-lobby")
    assert snapshot.cameras_at_gate(SITE, "n-lobby") == ("cam-lobby", "cam-wide")
    assert snapshot.building_of_gate(SITE, "n-7f") == "north"
    assert snapshot.building_capacity(SITE, "north") == 800
    assert snapshot.building_capacity(SITE, "south") is None
    ann = snapshot.person(SITE, ANN)
    assert ann is not None and (ann.enterprise, ann.after_hours) == ("acme", True)
    assert snapshot.credential_holder(SITE, "qr", pseudonym("pass-bo")) == snapshot.person(SITE, BO)
    acme = snapshot.enterprise(SITE, "acme")
    assert acme is not None and acme.property_grade == "good"
    with pytest.raises(TypeError):
        snapshot.sites[SITE].persons[ANN] = ann  # type: ignore[index]


class FakeRegistry:
    """Stands for the store: a revision and documents the test changes."""

    def __init__(self) -> None:
        self.rev = 1
        self.documents = [SiteRegistry.model_validate(site_data())]
        self.reads = 0

    def revision(self) -> int:
        """The current revision."""
        return self.rev

    def read_all(self) -> tuple[int, list[SiteRegistry]]:
        """Revision and documents."""
        self.reads += 1
        return self.rev, self.documents


def test_the_live_snapshot_is_rebuilt_only_when_the_revision_moves() -> None:
    registry = FakeRegistry()
    live = LiveRegistry(registry.revision, registry.read_all)
    scan = event("main-s1", "place_scan")
    assert live.current is EMPTY_SNAPSHOT and live.enrich(scan) == NO_ENRICHMENT
    assert live.refresh() and not live.refresh()
    held = live.current
    assert registry.reads == 1 and live.enrich(scan).enterprise == "acme"
    data = site_data()
    data["persons"][0]["enterprise"] = "blue"
    registry.documents, registry.rev = [SiteRegistry.model_validate(data)], 2
    assert live.refresh()
    assert live.enrich(scan).enterprise == "blue"
    assert enrich(scan, held).enterprise == "acme"  # a reader's reference stays consistent


def test_watch_refreshes_until_stopped_and_survives_a_failed_read() -> None:
    registry = FakeRegistry()
    failures = iter([RuntimeError("database away")])

    def flaky_read() -> tuple[int, list[SiteRegistry]]:
        for failure in failures:
            raise failure
        return registry.read_all()

    live = LiveRegistry(registry.revision, flaky_read)
    stop = threading.Event()
    watcher = threading.Thread(target=live.watch, args=(stop, 0.01))
    watcher.start()
    try:
        for _ in range(500):
            if live.current.revision == 1:
                break
            stop.wait(0.01)
    finally:
        stop.set()
        watcher.join(2)
    assert live.current.revision == 1 and not watcher.is_alive()
