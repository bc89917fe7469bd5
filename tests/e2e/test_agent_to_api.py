"""End to end with real parts: agent → Mosquitto → hub → ledger → API."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from edge_agent.ports import Draft, EventSink
from hub.ledger import Ledger
from sitewatch.protocol import pseudonymise
from tests.e2e.conftest import SITE, SITE_KEY, RunningAgent
from tests.support.counting_source import CountingSource
from tests.support.hub_runner import RunningHub, wait_until
from tests.support.scripted_source import ScriptedSource
from tests.support.servers import MosquittoServer

JPEG = b"\xff\xd8\xff\xe0 snapshot of the main gate \xff\xd9"
RAW_ID = "110101199003071234"


def every_kind(sink: EventSink) -> Sequence[Draft]:
    """One event of each kind; the camera event carries a snapshot."""
    key = SITE_KEY.encode()
    subject = pseudonymise(key, RAW_ID)
    snapshot = sink.emit_media(JPEG, "image/jpeg", "snapshot")
    t0 = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    return [
        Draft("place_scan", "mg-sentinel-1", t0, {
            "subject": subject, "method": "id_card", "health": "green",
            "temperature_c": 36.5, "verdict": "pass", "visitor": False}),
        Draft("access", "ta-ts-in-1", t0 + timedelta(seconds=40), {
            "subject": subject, "credential": {"type": "card", "ref": pseudonymise(key, "C-8812")},
            "direction": "in", "result": "granted"}),
        Draft("camera", "cam-mg-plaza", t0 + timedelta(seconds=41), {
            "type": "person", "count": 1, "score": 0.91, "boxes": [[120, 80, 60, 170]]},
            media=(snapshot,)),
        Draft("vehicle", "vg-plate-in", t0 + timedelta(seconds=60), {
            "plate": "沪A12345", "direction": "in", "result": "granted"}),
        Draft("sensor", "ta-smoke-1", t0 + timedelta(seconds=90), {
            "metric": "smoke", "value": 0.0, "unit": "ppm", "alarm": False}),
    ]


def test_every_kind_reaches_the_api(
    start_hub: Callable[..., RunningHub], start_agent: Callable[..., RunningAgent],
    tmp_path: Path, ledger_url: str,
) -> None:
    hub = start_hub(ledger_url)
    start_agent(
        "gw-north", [{"type": "scripted"}],
        factories={"scripted": lambda cfg, ctx: ScriptedSource(cfg.label, every_kind)},
    )
    wait_until(lambda: hub.hub.ingest.counters.events_stored == 5)
    items = hub.api.get("/api/v1/events", params={"site": SITE}).json()["items"]
    by_kind = {item["kind"]: item for item in items}
    assert set(by_kind) == {"place_scan", "access", "camera", "vehicle", "sensor"}
    assert [item["seq"] for item in items] == [5, 4, 3, 2, 1]  # newest first
    assert by_kind["vehicle"]["plate"] == "沪A12345"
    assert by_kind["place_scan"]["temperature_c"] == 36.5
    assert RAW_ID not in str(items), "a raw ID number left the gateway"

    subject = pseudonymise(SITE_KEY.encode(), RAW_ID)
    mine = hub.api.get("/api/v1/events", params={"subject": subject}).json()["items"]
    assert {item["kind"] for item in mine} == {"place_scan", "access"}
    one = hub.api.get(f"/api/v1/events/{by_kind['camera']['id']}").json()
    sha = hashlib.sha256(JPEG).hexdigest()
    assert one["event"]["media"] == [
        {"sha256": sha, "content_type": "image/jpeg", "role": "snapshot"}]
    wait_until(lambda: (tmp_path / "media" / sha[:2] / sha).exists())
    assert (tmp_path / "media" / sha[:2] / sha).read_bytes() == JPEG

    def gateway() -> dict[str, Any]:
        gateways: list[dict[str, Any]] = hub.api.get("/api/v1/gateways").json()
        return gateways[0]

    wait_until(lambda: gateway()["health"] is not None)
    view = gateway()
    assert (view["state"], view["last_seq"], view["gaps"]) == ("online", 5, [])
    assert view["health"]["outbox_depth"] == 0

    # Each search and view is in the hash-chained audit log, with who asked and the query.
    log = hub.api.get("/api/v1/audit-log", params={"actor": "test-admin"}).json()["items"]
    searches = [e["detail"] for e in log if e["action"] == "events.search"]
    assert [(d.get("site"), d.get("subject")) for d in searches] == [(None, subject), (SITE, None)]
    assert [e["target"] for e in log if e["action"] == "event.view"] == [by_kind["camera"]["id"]]
    assert hub.api.get("/api/v1/audit-log/verify").json()["ok"] is True


def test_broker_restarted_twice_while_20000_events_flow(
    start_hub: Callable[..., RunningHub], start_agent: Callable[..., RunningAgent],
    mosquitto: MosquittoServer, tmp_path: Path,
) -> None:
    total = 20_000
    ledger_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    hub = start_hub(ledger_url)
    agent = start_agent(
        "gw-south", [{"type": "counting"}],
        factories={"counting": lambda cfg, ctx: CountingSource(cfg.label, total, chunk=200,
                                                               pause_s=0.02)},
    )
    for threshold in (total // 4, total // 2):
        wait_until(lambda t=threshold: hub.hub.ingest.counters.events_stored >= t, timeout=60)
        mosquitto.stop()  # SIGTERM; the broker saves its sessions and queues
        mosquitto.start()
    wait_until(lambda: hub.hub.ingest.counters.events_stored >= total, timeout=120)
    wait_until(lambda: agent.agent.outbox.depth() == 0)
    [gateway] = hub.api.get("/api/v1/gateways").json()
    assert gateway["last_seq"] == total
    assert gateway["gaps"] == []
    assert gateway["events_total"] == total
    ledger = Ledger.open(ledger_url)
    try:
        assert ledger.event_count() == total  # every event once: ids are the key
    finally:
        ledger.close()


def test_gateway_goes_offline_when_the_agent_stops(
    start_hub: Callable[..., RunningHub], start_agent: Callable[..., RunningAgent]
) -> None:
    hub = start_hub()
    agent = start_agent(
        "gw-north", [{"type": "counting"}],
        factories={"counting": lambda cfg, ctx: CountingSource(cfg.label, 10)},
    )

    def state() -> str | None:
        gateways = hub.api.get("/api/v1/gateways").json()
        return gateways[0]["state"] if gateways else None

    wait_until(lambda: state() == "online")
    agent.close()
    wait_until(lambda: state() == "offline")
