"""The writer against a real endpoint of InfluxDB's v2 write API: VictoriaMetrics.

VictoriaMetrics names each field's series `<measurement>_<field>`, with the tags as labels
and timestamps in milliseconds. Debian's VictoriaMetrics (1.79) keeps a string field as a
series of zeros: the text itself (a subject pseudonym, a plate) is not stored at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.ports import Committed
from hub.records import HealthRecord, StatusRecord
from hub.timeseries import (
    Spool,
    TimeSeriesSettings,
    TimeSeriesWriter,
    alarm_line,
    build_timeseries,
    occupancy_line,
)
from sitewatch.protocol import GatewayHealth, GatewayStatus
from tests.support.servers import VictoriaMetricsServer
from tests.timeseries.conftest import SUBJECT, T0, commit, event

T0_MS = 1772438400 * 1000
KINDS = ("access", "place_scan", "camera", "vehicle", "sensor")
# One series per kind that every event of that kind writes once.
ONE_PER_EVENT = (
    '{__name__=~"access_count|place_scan_count|camera_events|vehicle_count|sensor_alarm"'
)


def _writer(server: VictoriaMetricsServer, spool_path: Path) -> TimeSeriesWriter:
    settings = TimeSeriesSettings(
        enabled=True, url=server.url, org="sitewatch", bucket="sitewatch", batch_size=500,
        flush_interval_s=0.05, retry_min_s=0.05, retry_max_s=0.3, timeout_s=5,
        spool_path=spool_path,
    )
    writer = build_timeseries(settings)
    assert writer is not None
    return writer


def _wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def _feed(writer: TimeSeriesWriter, site: str, first: int, count: int) -> None:
    """Commit `count` events of every kind in turn, 250 to a commit, as ingest does."""
    events = [event(KINDS[n % 5], n, site=site) for n in range(first, first + count)]
    for start in range(0, count, 250):
        writer.committed(commit(*events[start:start + 250]))


def _series(server: VictoriaMetricsServer, name: str) -> dict[str, Any]:
    [series] = server.export(name)
    return series


def test_every_measurement_reads_back_as_documented(
    victoria_metrics: VictoriaMetricsServer, tmp_path: Path
) -> None:
    writer = _writer(victoria_metrics, tmp_path / "spool.db")
    writer.start()
    health = GatewayHealth(
        ts=T0, outbox_depth=12, oldest_pending_age_s=1.5, inflight=3, dropped={"low": 4},
        cpu_percent=7.5, memory_rss_bytes=50_000_000, cameras={"cam-1": {"fps": 25.0}},
    )
    status = GatewayStatus(state="online", agent_version="1.0", started_at=T0, config_hash="x")
    writer.committed(Committed(
        events=commit(
            event("access"), event("place_scan", temperature_c=38.2),
            event("camera"), event("vehicle"), event("sensor", value=True, alarm=True),
        ).events,
        statuses=(StatusRecord("park-1", "gw-1", status, T0),),
        healths=(HealthRecord("park-1", "gw-1", health, T0),),
        dead_letters=0,
    ))
    later = T0 + timedelta(seconds=1)
    writer.submit([occupancy_line("park-1", "tower-a", 312, later),
                   alarm_line("park-1", "fever", "high", "raised", "al-7", later)])
    writer.close()
    assert writer.counters.points_written == 10

    access = _series(victoria_metrics, "access_count")
    assert access == {
        "metric": {"__name__": "access_count", "site": "park-1", "gateway": "gw-1",
                   "device": "gate-1", "direction": "in", "result": "granted"},
        "values": [1], "timestamps": [T0_MS],
    }
    # The pseudonym is a field: no label carries it, and its text is not stored.
    subject = _series(victoria_metrics, "access_subject")
    assert SUBJECT not in str(subject["metric"])
    assert subject["values"] == [0]
    assert _series(victoria_metrics, "place_scan_temperature_c")["values"] == [38.2]
    assert _series(victoria_metrics, "place_scan_fever")["values"] == [1]
    assert _series(victoria_metrics, "place_scan_visitor")["values"] == [0]
    camera_in = _series(victoria_metrics, "camera_in")
    assert (camera_in["metric"]["zone"], camera_in["metric"]["type"]) == ("lobby", "line_crossing")
    assert camera_in["values"] == [2]
    assert _series(victoria_metrics, "camera_out")["values"] == [1]
    assert victoria_metrics.export("camera_score") == []  # absent from the event, so not written
    assert _series(victoria_metrics, "vehicle_plate")["values"] == [0]
    assert _series(victoria_metrics, "sensor_value")["values"] == [1]
    assert _series(victoria_metrics, "gateway_health_outbox_depth")["values"] == [12]
    assert _series(victoria_metrics, "gateway_health_dropped_total")["values"] == [4]
    assert _series(victoria_metrics, "camera_health_fps")["metric"]["camera"] == "cam-1"
    assert _series(victoria_metrics, "gateway_status_online")["values"] == [1]
    occupancy = _series(victoria_metrics, "occupancy_persons")
    assert (occupancy["metric"]["building"], occupancy["values"]) == ("tower-a", [312])
    assert occupancy["timestamps"] == [T0_MS + 1000]
    alarm = _series(victoria_metrics, "alarm_count")
    assert alarm["metric"] == {"__name__": "alarm_count", "site": "park-1", "rule": "fever",
                               "severity": "high", "state": "raised"}


@pytest.mark.parametrize("outage", ["stop", "kill"])
def test_points_written_while_the_endpoint_is_down_arrive_once_when_it_is_back(
    victoria_metrics: VictoriaMetricsServer, tmp_path: Path, outage: str
) -> None:
    writer = _writer(victoria_metrics, tmp_path / "spool.db")
    writer.start()
    _feed(writer, "before", 0, 2000)
    _wait_until(lambda: writer.counters.points_written == 2000)

    victoria_metrics.stop() if outage == "stop" else victoria_metrics.kill()
    _feed(writer, "during", 2000, 3000)
    # Down for a while: every batch spooled, and the spool retried and failed again.
    _wait_until(lambda: writer.counters.spool_points == 3000)
    failures = writer.counters.failed_writes
    _wait_until(lambda: writer.counters.failed_writes >= failures + 2)
    assert writer.counters.points_written == 2000

    victoria_metrics.start()
    _feed(writer, "after", 5000, 2000)
    _wait_until(lambda: writer.counters.points_written == 7000)
    writer.close()
    assert writer.counters.spool_depth == 0

    during = victoria_metrics.sample_count(ONE_PER_EVENT + ',site="during"}')
    after = victoria_metrics.sample_count(ONE_PER_EVENT + ',site="after"}')
    before = victoria_metrics.sample_count(ONE_PER_EVENT + ',site="before"}')
    assert (during, after) == (3000, 2000)  # none lost, none doubled
    if outage == "stop":
        assert before == 2000
    else:
        # SIGKILL: VictoriaMetrics may lose what it accepted in its last seconds (its own
        # buffers); never more than it was sent.
        assert before <= 2000


def test_a_spool_left_by_a_writer_closed_during_an_outage_is_delivered_by_the_next(
    victoria_metrics: VictoriaMetricsServer, tmp_path: Path
) -> None:
    spool_path = tmp_path / "spool.db"
    victoria_metrics.stop()
    first = _writer(victoria_metrics, spool_path)
    first.start()
    _feed(first, "park-1", 0, 1500)
    first.close(timeout=0.5)
    assert first.counters.points_written == 0

    left = Spool(spool_path, 64 * 1024 * 1024)
    assert left.depth >= 3
    assert left.points == 1500
    left.close()

    victoria_metrics.start()
    second = _writer(victoria_metrics, spool_path)
    assert second.counters.spool_points == 1500
    second.start()
    _wait_until(lambda: second.counters.points_written == 1500)
    second.close()
    assert victoria_metrics.sample_count(ONE_PER_EVENT + "}") == 1500
