"""The stats listener behind a real ingest service (real Mosquitto, real SQLite ledger):
occupancy current with every commit, statuses and camera health written by its worker."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select

from hub.ingest import IngestLimits
from hub.ledger.schema_stats import gateway_status_log
from hub.media import MediaStore
from hub.mqtt import PahoSubscriber
from hub.service import IngestService
from hub.settings import load_hub_settings
from hub.stats import StatsService, StatsSettings
from sitewatch.bench.mqtt_baseline import publish_all
from sitewatch.protocol import Event, Topics
from tests.stats.conftest import World, make_world
from tests.stats.factory import GATEWAY, SITE, at, crossing, door
from tests.support.auth import TEST_AUTH
from tests.support.hub_runner import wait_until
from tests.support.servers import MosquittoServer

PREFIX = f"sitewatch/v1/{SITE}/{GATEWAY}"


def message(event: Event) -> tuple[str, bytes]:
    """An event as its gateway publishes it."""
    return f"{PREFIX}/events", orjson.dumps(
        event.model_dump(mode="json", by_alias=True, exclude_none=True))


def status(state: str) -> tuple[str, bytes]:
    """A status message."""
    return f"{PREFIX}/status", orjson.dumps({
        "state": state, "agent_version": "1.0", "started_at": at().isoformat(),
        "config_hash": "c0ffee"})


def health(seconds: float, online: bool) -> tuple[str, bytes]:
    """A health report of one camera."""
    return f"{PREFIX}/health", orjson.dumps({
        "ts": at(seconds).isoformat(), "outbox_depth": 0, "oldest_pending_age_s": 0,
        "cpu_percent": 1.0, "memory_rss_bytes": 1, "cameras": {"cam-s-line": {
            "fps": 5.0, "online": online}}})


@pytest.fixture
def running(mosquitto: MosquittoServer, tmp_path: Path) -> Iterator[World]:
    """The small site's hub parts, with ingest and the stats worker running."""
    world = make_world(f"sqlite:///{tmp_path / 'ledger.db'}")
    settings = load_hub_settings(None, broker={"port": mosquitto.port, "client_id": "stats"},
                                 auth=TEST_AUTH)
    topics = Topics(settings.topic_prefix)
    source = PahoSubscriber(settings.broker, topics.subscriptions())
    ingest = IngestService(
        source, world.ledger, MediaStore(tmp_path / "media"), topics,
        IngestLimits(settings.ingest.max_payload_bytes, settings.ingest.max_media_bytes),
        enrich=world.live.enrich, listeners=[world.stats],
    )
    stop = threading.Event()
    threads = [threading.Thread(target=ingest.run, args=(stop,)),
               threading.Thread(target=world.stats.run, args=(stop,))]
    for thread in threads:
        thread.start()
    source.start(ingest.deliver)
    assert source.wait_connected(10)
    yield world
    stop.set()
    for thread in threads:
        thread.join(10)
    source.stop()
    world.engine.dispose()


def occupancy(stats: StatsService) -> dict[str, int | None]:
    """Persons per building, now."""
    [site] = stats.occupancy_now()
    return {b.building: b.persons for b in site.buildings}


def test_occupancy_follows_every_commit_and_a_restart_recounts_it(
    running: World, mosquitto: MosquittoServer
) -> None:
    stats = running.stats
    publish_all(mosquitto.port, [message(e) for e in (
        door("n-in", at(1)), door("n-in", at(2)), door("n-in", at(3)),
        door("n-out", at(4), direction="out"), crossing(ts=at(5), in_=4, out=1),
    )])
    wait_until(lambda: occupancy(stats) == {"north": 2, "south": 3})
    publish_all(mosquitto.port, [message(door("n-out", at(6), direction="out"))])
    wait_until(lambda: occupancy(stats) == {"north": 1, "south": 3})

    # A new hub on the same ledger (or a replica that saw none of it) recounts the day.
    fresh = StatsService(running.engine, running.live, running.audit,
                         lambda _site: None, StatsSettings(), clock=running.clock)
    assert occupancy(fresh) == {"north": 0, "south": 0}
    fresh.rebuild_occupancy()
    assert occupancy(fresh) == {"north": 1, "south": 3}
    # Past the site's midnight the count starts again from zero.
    running.clock.now = at(0) + timedelta(days=1)
    assert occupancy(stats) == {"north": 0, "south": 0}


def test_state_changes_and_camera_samples_are_written_by_the_worker(
    running: World, mosquitto: MosquittoServer
) -> None:
    publish_all(mosquitto.port, [status("online")])
    publish_all(mosquitto.port, [status("online")])  # a repeat is no change
    publish_all(mosquitto.port, [status("offline")])
    # Sampled at most once a minute (the fixture's setting) per camera.
    publish_all(mosquitto.port, [health(s, online=s != 90) for s in (0, 30, 60, 90, 120)])
    stats = running.stats
    wait_until(lambda: stats.counters.status_changes == 2 and stats.counters.camera_samples == 3)
    running.clock.now = at(3600)
    measured = stats.operation.measure(SITE, at(-3600), at(3600))
    assert measured.camera_uptime == {"cam-s-line": 1.0}  # samples at 0, 60 and 120 s
    with running.engine.begin() as connection:
        log = connection.execute(
            select(gateway_status_log.c.gateway, gateway_status_log.c.state)
            .order_by(gateway_status_log.c.id)).all()
    assert [tuple(row) for row in log] == [("gw-1", "online"), ("gw-1", "offline")]
