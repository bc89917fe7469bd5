"""Every InfluxQL query of the dashboards, run on InfluxDB 1.x over points the hub's writer
makes (`hub.timeseries.points`) from real protocol events, health reports and statuses."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

import pytest

from dashboards import queries
from hub.ports import Committed
from hub.records import HealthRecord, StatusRecord
from hub.timeseries.points import alarm_line, committed_lines, occupancy_line
from tests.dashboards import grafana_macros
from tests.dashboards.data import T0, at, door, event, health, scan, status
from tests.stats.factory import record, static_live
from tests.support.servers import InfluxDB1Server

SITE, OTHER = "harbour-park", "dock-2"
DB = "sitewatch"
Run = Callable[..., dict[tuple[tuple[str, str], ...], list[list[Any]]]]


def _person(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def _lines() -> list[str]:
    live = static_live()
    events = [
        door(10, "n-in"), door(20, "n-in"), door(70, "n-in"),
        door(30, "n-out", direction="out"),
        door(40, "n-in", result="denied"), door(50, "n-in", result="denied"),
        door(15, "n-in", site=OTHER, gateway="gw-9"),
        scan(5, "main-s1", _person("a"), "green", 36.5), scan(25, "main-s1", _person("b")),
        scan(35, "main-s1", _person("c")), scan(45, "main-s1", _person("d"), "red", 38.2),
        scan(55, "main-s1", _person("e"), "yellow", 37.5),
        event("camera", 5, "cam-s-line", type="line_crossing", **{"in": 4, "out": 1}),
        event("camera", 65, "cam-s-line", type="line_crossing", **{"in": 2, "out": 3}),
        event("camera", 6, "cam-main", type="person", count=3),
    ]
    healths = [
        HealthRecord(SITE, "gw-1", health(0, 10), at(0)),
        HealthRecord(SITE, "gw-1", health(30, 250), at(30)),
        HealthRecord(SITE, "gw-2", health(10, 5), at(10)),
    ]
    statuses = [
        StatusRecord(SITE, "gw-1", status("online"), at(0)),
        StatusRecord(SITE, "gw-2", status("online"), at(0)),
        StatusRecord(SITE, "gw-2", status("offline"), at(60)),
    ]
    committed = Committed(tuple(record(e, live) for e in events), tuple(statuses),
                          tuple(healths), 0)
    return [
        *committed_lines(committed),
        occupancy_line(SITE, "north", 3, at(10)), occupancy_line(SITE, "north", 5, at(80)),
        occupancy_line(SITE, "south", 2, at(30)),
        alarm_line(SITE, "fever", "high", "opened", "A1", at(15)),
        alarm_line(SITE, "fever", "high", "resolved", "A1", at(100)),
        alarm_line(SITE, "tailgating", "medium", "opened", "A2", at(20)),
        alarm_line(SITE, "gateway_offline", "critical", "opened", "A3", at(61)),
        alarm_line(OTHER, "fever", "high", "opened", "A9", at(15)),
    ]


@pytest.fixture(scope="module")
def run(influxdb: InfluxDB1Server) -> Run:
    """Load the points once; run a dashboard query (macros filled in) → rows per tag set."""
    influxdb.create_database(DB)
    influxdb.write(DB, _lines())

    def run_query(query: str, *, interval: str = "1h", end: float = 240,
                  **variables: str | list[str]) -> dict[tuple[tuple[str, str], ...], list[Any]]:
        text = grafana_macros.influxql(query, T0, at(end), interval,
                                       {"site": [SITE], **variables})
        result = influxdb.query(DB, text)
        return {
            tuple(sorted(series.get("tags", {}).items())): series["values"]
            for series in result.get("series", [])
        }

    return run_query


def _ms(seconds: float) -> int:
    return int(at(seconds).timestamp() * 1000)


@pytest.mark.parametrize("name", sorted(queries.INFLUXQL))
def test_every_influxql_query_runs_and_finds_points(run: Run, name: str) -> None:
    query = queries.INFLUXQL[name]
    filled = grafana_macros.influxql(query, T0, at(1), "1m", {"site": "x", "building": "y"})
    assert not re.search(r"\$[A-Za-z_{]", filled), filled  # every variable and macro filled
    assert run(query, building=["north", "south"]), f"{name} found nothing"


def test_entries_and_exits_per_reader_per_minute(run: Run) -> None:
    assert run(queries.GATE_FLOW) == {
        (("device", "n-in"), ("direction", "in")): [[_ms(0), 2], [_ms(60), 1]],
        (("device", "n-out"), ("direction", "out")): [[_ms(0), 1]],
    }


def test_several_sites_are_a_regex_alternation(run: Run) -> None:
    flows = run(queries.GATE_FLOW, site=[SITE, OTHER])
    assert flows[(("device", "n-in"), ("direction", "in"))] == [[_ms(0), 3], [_ms(60), 1]]


def test_denied_attempts_per_reader(run: Run) -> None:
    assert run(queries.DENIED) == {(("device", "n-in"),): [[_ms(0), 2]]}


def test_alarms_opened_by_severity(run: Run) -> None:
    assert run(queries.ALARMS_OPENED) == {
        (("severity", "critical"),): [[_ms(0), 1]],
        (("severity", "high"),): [[_ms(0), 1]],
        (("severity", "medium"),): [[_ms(0), 1]],
    }


def test_place_scans_by_health_colour(run: Run) -> None:
    assert run(queries.PLACE_SCAN_HEALTH) == {
        (("health", "green"),): [[_ms(0), 3]],
        (("health", "red"),): [[_ms(0), 1]],
        (("health", "yellow"),): [[_ms(0), 1]],
    }


def test_fevers_are_counted_with_the_highest_temperature(run: Run) -> None:
    [[_, fevers, highest]] = run(queries.FEVERS)[()]
    assert (fevers, highest) == (2, 38.2)


def test_line_crossings_in_and_out_per_camera(run: Run) -> None:
    assert run(queries.CAMERA_CROSSINGS) == {(("device", "cam-s-line"),): [[_ms(0), 6, 4]]}


def test_gateways_online_is_each_gateways_last_status(run: Run) -> None:
    online = {tags[0][1]: values[0][1] for tags, values in run(queries.GATEWAYS_ONLINE).items()}
    assert online == {"gw-1": True, "gw-2": False}


def test_outbox_backlog_is_the_deepest_report(run: Run) -> None:
    assert run(queries.OUTBOX_BACKLOG) == {
        (("gateway", "gw-1"),): [[_ms(0), 250]],
        (("gateway", "gw-2"),): [[_ms(0), 5]],
    }


def test_occupancy_per_building_carries_the_last_count_forward(run: Run) -> None:
    series = run(queries.OCCUPANCY, interval="1m", end=180, building=["north"])
    assert series == {
        (("building", "north"),): [[_ms(0), 3], [_ms(60), 5], [_ms(120), 5], [_ms(180), 5]],
    }
    both = run(queries.OCCUPANCY, interval="1m", end=180, building=["north", "south"])
    assert both[(("building", "south"),)] == [[_ms(0), 2], [_ms(60), 2], [_ms(120), 2],
                                             [_ms(180), 2]]
