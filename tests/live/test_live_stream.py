"""The live stream end to end: MQTT → Mosquitto → hub → SSE over a real uvicorn server."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from ulid import ULID

from hub.registry import RegistryImport
from sitewatch.bench.mqtt_baseline import publish_all
from sitewatch.registry import SiteRegistry
from tests.registry.conftest import SITE, pseudonym, site_data
from tests.support.auth import add_user, token_headers
from tests.support.hub_runner import RunningHub, wait_until
from tests.support.servers import MosquittoServer
from tests.support.sse import SseReader

TOPIC = f"sitewatch/v1/{SITE}/gw-1"
ANN = pseudonym("ann")
STATUS = {"state": "online", "agent_version": "1", "started_at": "2026-11-23T00:00:00Z",
          "config_hash": "c0ffee"}


def envelope(seq: int, device: str, kind: str, **fields: Any) -> dict[str, Any]:
    """An event of the registry tests' small site, timestamped now (so the rules alarm)."""
    return {"v": 1, "id": str(ULID()), "seq": seq, "ts": datetime.now(UTC).isoformat(),
            "site": SITE, "gateway": "gw-1", "device": device, "kind": kind, **fields}


def badge(seq: int, subject: str = ANN) -> dict[str, Any]:
    """Ann's card at the north tower's 7th-floor door."""
    return envelope(seq, "n-7f-reader", "access", subject=subject, credential={"type": "card"},
                    direction="in", result="granted")


def fever_scan(seq: int) -> dict[str, Any]:
    """A scan at the main gate's sentinel of someone at 38.5 °C (the fever rule: 37.3)."""
    return envelope(seq, "main-s1", "place_scan", subject=ANN, method="id_card",
                    health="green", temperature_c=38.5, verdict="pass", visitor=False)


def open_stream(hub: RunningHub, user: str, role: str, sites: tuple[str, ...] = (),
                **params: str) -> SseReader:
    """Create a user, sign in and open a live stream as them."""
    add_user(hub.hub.settings.ledger_url, user, role, sites)
    headers = token_headers(hub.api, user)
    return SseReader(str(hub.api.base_url), headers, params=params or None).start()


def test_events_alarms_and_statuses_reach_exactly_the_streams_allowed_to_see_them(
    start_hub: Callable[..., RunningHub], mosquitto: MosquittoServer
) -> None:
    hub = start_hub()
    registry = hub.hub.app.state.hub.registry
    registry.apply(RegistryImport.of_document(SiteRegistry.model_validate(site_data())))
    guard = open_stream(hub, "guard", "security")
    manager = open_stream(hub, "pm-here", "property_manager", (SITE,))
    elsewhere = open_stream(hub, "pm-elsewhere", "property_manager", ("other-park",))
    scans = open_stream(hub, "scans", "police", kind="place_scan", types="events")
    events = [badge(1), badge(2, subject=pseudonym("nobody")), fever_scan(3)]
    publish_all(mosquitto.port, [(f"{TOPIC}/status", orjson.dumps(STATUS))]
                + [(f"{TOPIC}/events", orjson.dumps(e)) for e in events])

    def fever_alarms(reader: SseReader) -> list[dict[str, Any]]:
        alarms = [m.json() for m in reader.of("alarm")]
        return [a for a in alarms if a["alarm"]["rule"] == "fever"]

    def complete(reader: SseReader) -> bool:
        return len(reader.of("event")) == 3 and bool(fever_alarms(reader) and reader.of("gateway"))

    for reader in (guard, manager):
        wait_until(functools.partial(complete, reader))
        received = reader.of("event")
        assert [m.id for m in received] == [e["id"] for e in events]
        assert [m.json()["id"] for m in received] == [e["id"] for e in events]
        assert received[0].json()["enrichment"] == {
            "building": "north", "floor": 7, "gate": "n-7f", "enterprise": "acme",
            "person_type": "employee"}
        assert received[2].json()["temperature_c"] == 38.5
        [alarm] = fever_alarms(reader)
        assert alarm["change"] == "opened" and alarm["alarm"]["state"] == "open"
        assert alarm["alarm"]["event_ids"] == [events[2]["id"]]
        [gateway] = [m.json() for m in reader.of("gateway")]
        assert (gateway["site"], gateway["gateway"], gateway["state"]) == (SITE, "gw-1", "online")
    wait_until(lambda: len(scans.messages) >= 1)
    time.sleep(0.3)  # every stream is offered each item in the same call: time to catch up
    assert [(m.event, m.id) for m in scans.messages] == [("event", events[2]["id"])]
    assert elsewhere.messages == []
    assert not elsewhere.ended.is_set()
    opened = hub.api.get("/api/v1/audit-log", params={"action": "live.open"}).json()["items"]
    assert sorted(e["actor"] for e in opened) == ["guard", "pm-elsewhere", "pm-here", "scans"]
    assert hub.hub.live is not None and hub.hub.live.subscriber_count == 4


def test_refusals_and_a_reconnect(start_hub: Callable[..., RunningHub]) -> None:
    hub = start_hub()
    add_user(hub.hub.settings.ledger_url, "pm", "property_manager", ("other-park",))
    manager = token_headers(hub.api, "pm")
    with httpx.Client(base_url=str(hub.api.base_url), timeout=10) as anonymous:
        assert anonymous.get("/api/v1/live").status_code == 401
        refused = anonymous.get("/api/v1/live", params={"site": SITE}, headers=manager)
        assert refused.status_code == 403
    assert hub.api.get("/api/v1/live", params={"types": "events,bogus"}).status_code == 422
    # A client that reconnects (Last-Event-ID set) is told at once that it may have missed
    # items, and refetches; nothing is replayed.
    headers = {**hub.api.headers, "Last-Event-ID": "01JD0000000000000000000000"}
    back = SseReader(str(hub.api.base_url), headers).start()
    wait_until(lambda: len(back.messages) == 1)
    assert (back.messages[0].event, back.messages[0].json()) == ("dropped", {"dropped": None})
    # A client that goes away is forgotten: its queue fills no more.
    live = hub.hub.live
    assert live is not None and live.subscriber_count == 1
    back.close()
    wait_until(lambda: live.subscriber_count == 0)
