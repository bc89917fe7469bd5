"""Hub ingest against a real Mosquitto: bad input is dead-lettered, gaps are reported."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from sitewatch.bench.mqtt_baseline import publish_all
from tests.support.envelopes import access_event, encode
from tests.support.hub_runner import RunningHub, wait_until
from tests.support.servers import MosquittoServer

TOPIC = "sitewatch/v1/park/gw-1/events"


def mosquitto_pub(broker: MosquittoServer, topic: str, payload: bytes, tmp_path: Path) -> None:
    """Publish raw bytes with the real mosquitto_pub client."""
    path = tmp_path / f"payload-{hashlib.sha1(payload).hexdigest()}"
    path.write_bytes(payload)
    subprocess.run(
        ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.port), "-q", "1", "-t", topic,
         "-f", str(path)],
        check=True, timeout=30,
    )


def events(hub: RunningHub, **params: Any) -> list[dict[str, Any]]:
    """All events the API returns for a query (one page is enough here)."""
    response = hub.api.get("/api/v1/events", params={"limit": 1000, **params})
    response.raise_for_status()
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_bad_input_is_dead_lettered_with_reasons_and_ingest_goes_on(
    start_hub: Callable[..., RunningHub], mosquitto: MosquittoServer, tmp_path: Path,
    ledger_url: str,
) -> None:
    hub = start_hub(ledger_url)
    bad = {
        "malformed JSON": (TOPIC, b'{"v": 1, "id": '),
        "wrong schema": (TOPIC, encode(access_event("park", "gw-1", 1, result="perhaps"))),
        "body/topic mismatch": (TOPIC, encode(access_event("park", "gw-9", 2))),
        "wrong version": (TOPIC, encode(access_event("park", "gw-1", 3, v=2))),
        "5 MB payload": (TOPIC, b"[" + b" " * (5 * 1024 * 1024) + b"]"),
        "invalid UTF-8": (TOPIC, b'{"v": 1, "device": "\xff\xfe"}'),
        "media hash mismatch": ("sitewatch/v1/park/gw-1/media/" + "0" * 64, b"jpeg bytes"),
    }
    for topic, payload in bad.values():
        mosquitto_pub(mosquitto, topic, payload, tmp_path)
    good = access_event("park", "gw-1", 4)
    mosquitto_pub(mosquitto, TOPIC, encode(good), tmp_path)

    wait_until(lambda: hub.api.get("/api/v1/dead-letters").json()["total"] == len(bad))
    wait_until(lambda: len(events(hub)) == 1)
    assert events(hub)[0]["id"] == good["id"]

    letters = hub.api.get("/api/v1/dead-letters", params={"limit": 100}).json()["items"]
    reasons = {letter["reason"] for letter in letters}
    expected_fragments = {
        "malformed JSON": "malformed JSON",
        "wrong schema": "access.result",
        "body/topic mismatch": "does not match topic park/gw-1",
        "wrong version": "access.v: Input should be 1",
        "5 MB payload": "exceeds the limit",
        "invalid UTF-8": "not valid UTF-8",
        "media hash mismatch": "hash to",
    }
    for case, fragment in expected_fragments.items():
        assert any(fragment in reason for reason in reasons), (case, reasons)
    big = next(letter for letter in letters if "exceeds the limit" in letter["reason"])
    assert big["size"] == 5 * 1024 * 1024 + 2
    assert big["truncated"] is True
    assert big["sha256"] == hashlib.sha256(bad["5 MB payload"][1]).hexdigest()


def test_skipped_sequence_range_is_reported_as_a_gap(
    start_hub: Callable[..., RunningHub], mosquitto: MosquittoServer, ledger_url: str
) -> None:
    hub = start_hub(ledger_url)
    seqs = [1, 2, 3, 4, 5, 9, 10, 20]
    publish_all(mosquitto.port, [(TOPIC, encode(access_event("park", "gw-1", s))) for s in seqs])
    wait_until(lambda: len(events(hub)) == len(seqs))
    [gateway] = hub.api.get("/api/v1/gateways").json()
    assert gateway["last_seq"] == 20
    assert gateway["gaps"] == [{"first": 6, "last": 8}, {"first": 11, "last": 19}]
    assert gateway["missing_events"] == 12
    # A late arrival fills part of a gap.
    publish_all(mosquitto.port, [(TOPIC, encode(access_event("park", "gw-1", 7)))])
    wait_until(lambda: len(events(hub)) == len(seqs) + 1)
    [gateway] = hub.api.get("/api/v1/gateways").json()
    assert gateway["gaps"][:2] == [{"first": 6, "last": 6}, {"first": 8, "last": 8}]


def test_batches_duplicates_status_and_media(
    start_hub: Callable[..., RunningHub], mosquitto: MosquittoServer, tmp_path: Path
) -> None:
    hub = start_hub()
    batch = [access_event("park", "gw-1", s) for s in range(1, 101)]
    jpeg = b"\xff\xd8\xff fake jpeg bytes \xff\xd9"
    sha = hashlib.sha256(jpeg).hexdigest()
    status = {"state": "online", "agent_version": "0.1.0",
              "started_at": "2026-11-22T00:00:00Z", "config_hash": "c0ffee"}
    publish_all(mosquitto.port, [
        (TOPIC, encode(batch)),
        (TOPIC, encode(batch[:10])),  # a replay: absorbed by the ids
        (f"sitewatch/v1/park/gw-1/media/{sha}", jpeg),
        ("sitewatch/v1/park/gw-1/status", orjson.dumps(status)),
    ])
    wait_until(lambda: hub.hub.ingest.counters.messages >= 4)
    assert len(events(hub)) == 100
    assert hub.hub.ingest.counters.duplicates == 10
    [gateway] = hub.api.get("/api/v1/gateways").json()
    assert gateway["state"] == "online" and gateway["config_hash"] == "c0ffee"
    assert gateway["events_total"] == 100
    assert (tmp_path / "media" / sha[:2] / sha).read_bytes() == jpeg


def test_search_filters_and_cursor_pages(
    start_hub: Callable[..., RunningHub], mosquitto: MosquittoServer
) -> None:
    hub = start_hub()
    messages = [(TOPIC, encode(access_event("park", "gw-1", s, device=f"door-{s % 3}")))
                for s in range(1, 251)]
    publish_all(mosquitto.port, messages)
    wait_until(lambda: hub.hub.ingest.counters.events_stored == 250)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100, "device": "door-1"}
        if cursor:
            params["cursor"] = cursor
        page = hub.api.get("/api/v1/events", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 84  # seq 1..250 with seq % 3 == 1
    response = hub.api.get("/api/v1/events", params={"since": "2026-11-22T08:00:00"})
    assert response.status_code == 422  # a time without an offset is refused
    assert hub.api.get("/readyz").json() == {"ready": True, "ledger": "ok", "broker": "connected"}


@pytest.mark.parametrize("endpoint", ["/healthz", "/docs", "/openapi.json"])
def test_probes_and_docs_answer(start_hub: Callable[..., RunningHub], endpoint: str) -> None:
    assert start_hub().api.get(endpoint).status_code == 200
