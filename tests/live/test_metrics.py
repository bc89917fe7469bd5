"""/metrics on a running hub: Prometheus' text format, the parts' counters read at scrape."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import orjson
from prometheus_client.parser import text_string_to_metric_families

from sitewatch.bench.mqtt_baseline import publish_all
from tests.support.envelopes import access_event
from tests.support.hub_runner import RunningHub, wait_until
from tests.support.servers import MosquittoServer
from tests.support.sse import SseReader

SITE, GATEWAY = "park", "gw-1"
TOPIC = f"sitewatch/v1/{SITE}/{GATEWAY}"
STATUS = {"state": "online", "agent_version": "1", "started_at": "2026-11-23T00:00:00Z",
          "config_hash": "c0ffee"}


def scrape(hub: RunningHub) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, fetched without a token, by (name, labels)."""
    with httpx.Client(base_url=str(hub.api.base_url), timeout=10) as anonymous:
        response = anonymous.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_metrics_carry_ingest_live_alarm_and_gateway_figures(
    start_hub: Callable[..., RunningHub], mosquitto: MosquittoServer
) -> None:
    hub = start_hub()
    stream = SseReader(str(hub.api.base_url), hub.api.headers).start()
    events = [access_event(SITE, GATEWAY, seq) for seq in range(1, 25)]
    # A fever scan of now (the rules ignore events over an hour old): one high alarm.
    fever = access_event(SITE, GATEWAY, 25, ts=datetime.now(UTC).isoformat(),
                         kind="place_scan", device="sentinel-1", method="id_card",
                         health="green", temperature_c=38.5, verdict="pass")
    events.append({k: v for k, v in fever.items()
                   if k not in {"credential", "direction", "result"}})
    messages = [(f"{TOPIC}/status", orjson.dumps(STATUS))]
    messages += [(f"{TOPIC}/events", orjson.dumps(e)) for e in events]
    messages.append((f"{TOPIC}/events", b"{not json"))
    publish_all(mosquitto.port, messages)
    wait_until(lambda: hub.hub.ingest.counters.messages == 27)
    publish_all(mosquitto.port, [(f"{TOPIC}/events", orjson.dumps(e)) for e in events[:2]])
    wait_until(lambda: hub.hub.ingest.counters.messages == 29)
    wait_until(lambda: len(stream.of("event")) == 25 and len(stream.of("alarm")) == 1)

    samples = scrape(hub)
    assert samples[("sitewatch_ingest_messages_total", ())] == 29
    assert samples[("sitewatch_ingest_events_stored_total", ())] == 25
    assert samples[("sitewatch_ingest_duplicates_total", ())] == 2
    assert samples[("sitewatch_ingest_dead_letters_total", ())] == 1
    assert samples[("sitewatch_ingest_commits_total", ())] >= 2
    assert samples[("sitewatch_ingest_commit_failures_total", ())] == 0
    assert samples[("sitewatch_ingest_backlog", ())] == 0
    assert samples[("sitewatch_broker_connected", ())] == 1
    assert samples[("sitewatch_live_subscribers", ())] == 1
    assert samples[("sitewatch_live_sent_total", ())] >= 26  # the events and the status
    assert samples[("sitewatch_live_dropped_total", ())] == 0
    assert samples[("sitewatch_gateways", (("state", "online"),))] == 1
    assert samples[("sitewatch_gateways", (("state", "offline"),))] == 0
    assert samples[("sitewatch_alarms_opened_total", ())] == 1
    assert samples[("sitewatch_alarms_unresolved", (("severity", "high"), ("state", "open")))] == 1
    assert samples[("sitewatch_alarms_unresolved", (("severity", "low"), ("state", "open")))] == 0
    assert samples[("sitewatch_alarms_engine_failures_total", ())] == 0
    # The hub is on SQLite: its heap is shown, and under the limit the engine sets (+10%).
    assert 0 < samples[("sitewatch_ledger_sqlite_memory_bytes", ())] < 1.1 * 128 * 2**20
    # Nothing in a label names a site, a gateway or a person.
    assert not any(SITE in value or GATEWAY in value
                   for _name, labels in samples for _key, value in labels)
