"""Ingest stores every event enriched: real Mosquitto, real SQLite and PostgreSQL ledgers."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from ulid import ULID

from hub.ingest import IngestLimits
from hub.ledger import Ledger
from hub.media import MediaStore
from hub.mqtt import PahoSubscriber
from hub.ports import CommitListener, Committed
from hub.records import Enrichment, EventQuery
from hub.registry import LiveRegistry, RegistryStore
from hub.service import IngestService
from hub.settings import BrokerSettings, IngestSettings
from sitewatch.bench.mqtt_baseline import publish_all
from sitewatch.protocol import Topics
from sitewatch.registry import Person
from tests.registry.conftest import SITE, pseudonym
from tests.support.hub_runner import wait_until
from tests.support.servers import MosquittoServer

EVENTS = f"sitewatch/v1/{SITE}/gw-1/events"
STATUS = f"sitewatch/v1/{SITE}/gw-1/status"
ANN = pseudonym("ann")


def access(seq: int, device: str, **fields: Any) -> dict[str, Any]:
    """An access event of the small site."""
    return {
        "v": 1, "id": str(ULID()), "seq": seq, "ts": f"2026-11-23T09:00:{seq:02d}+08:00",
        "site": SITE, "gateway": "gw-1", "device": device, "kind": "access", "subject": ANN,
        "credential": {"type": "card"}, "direction": "in", "result": "granted", **fields,
    }


class Heard(CommitListener):
    """Keeps the enrichment of each new event, as time series and rules will see it."""

    def __init__(self) -> None:
        self.enrichments: dict[str, Enrichment] = {}

    def committed(self, committed: Committed) -> None:
        """Record each event's enrichment."""
        self.enrichments.update((r.event.id, r.enrichment) for r in committed.events)


@dataclass
class Running:
    """Ingest wired as the hub wires it, with the live registry as its enricher."""

    ledger: Ledger
    ingest: IngestService
    heard: Heard


@pytest.fixture
def running(
    loaded: RegistryStore, ledger_url: str, mosquitto: MosquittoServer, tmp_path: Path
) -> Iterator[Running]:
    """The small site's registry loaded, and ingest running on it."""
    live = LiveRegistry(loaded.revision, loaded.read_all)
    live.refresh()
    loaded.on_change(live.refresh)  # as the hub does: a change through the API swaps at once
    status = {"state": "online", "agent_version": "1", "started_at": "2026-11-23T00:00:00Z",
              "config_hash": "c0ffee"}
    subprocess.run(
        ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(mosquitto.port), "-q", "1", "-r",
         "-t", STATUS, "-m", orjson.dumps(status).decode()],
        check=True, timeout=30,
    )
    topics, limits = Topics(), IngestSettings()
    subscriber = PahoSubscriber(
        BrokerSettings(port=mosquitto.port, client_id="enrich"), topics.subscriptions()
    )
    ledger = Ledger.open(ledger_url)
    heard = Heard()
    ingest = IngestService(
        subscriber, ledger, MediaStore(tmp_path / "media"), topics,
        IngestLimits(limits.max_payload_bytes, limits.max_media_bytes),
        listeners=[heard], enrich=live.enrich,
    )
    stop = threading.Event()
    worker = threading.Thread(target=ingest.run, args=(stop,), name="ingest")
    worker.start()
    subscriber.start(ingest.deliver)
    wait_until(lambda: ingest.counters.messages >= 1)  # the retained status: subscribed
    yield Running(ledger, ingest, heard)
    stop.set()
    worker.join(10)
    subscriber.stop()
    ledger.close()


def test_events_are_stored_with_building_gate_and_enterprise(
    running: Running, loaded: RegistryStore, mosquitto: MosquittoServer
) -> None:
    badge = access(1, "n-7f-reader")
    by_card = access(2, "n-in", subject=None,
                     credential={"type": "qr", "ref": pseudonym("pass-bo")})
    stranger = access(3, "side-door", subject=pseudonym("nobody"))
    publish_all(mosquitto.port, [(EVENTS, orjson.dumps(e)) for e in (badge, by_card, stranger)])
    wait_until(lambda: running.ledger.event_count() == 3)

    def stored(doc: dict[str, Any]) -> Any:
        item = running.ledger.get_event(doc["id"])
        assert item is not None
        return item["enrichment"]

    assert stored(badge) == {"building": "north", "floor": 7, "gate": "n-7f",
                             "enterprise": "acme", "person_type": "employee"}
    assert stored(by_card) == {"building": "north", "floor": 1, "gate": "n-lobby",
                               "enterprise": "blue", "person_type": "visitor"}
    assert stored(stranger) == dict.fromkeys(
        ("building", "floor", "gate", "enterprise", "person_type")
    )
    acme = running.ledger.search_events(EventQuery(enterprise="acme")).items
    assert [item["id"] for item in acme] == [badge["id"]]
    assert running.heard.enrichments[badge["id"]] == Enrichment(
        "north", 7, "n-7f", "acme", "employee"
    )

    # Ann moves to Blue Co.: what arrives from now on says so, what is stored stays as it was.
    loaded.upsert(SITE, Person(pseudonym=ANN, enterprise="blue", type="employee"))
    later = access(4, "n-in")
    publish_all(mosquitto.port, [(EVENTS, orjson.dumps(later))])
    wait_until(lambda: running.ledger.event_count() == 4)
    assert stored(later)["enterprise"] == "blue"
    assert stored(badge)["enterprise"] == "acme"
