"""Every SQL query of the dashboards, run on PostgreSQL over a ledger the hub wrote: events
committed through `Ledger.commit` with registry enrichment, alarms through the alarm
store, daily figures and colours through the stats service."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from dashboards import queries
from hub.alarms import AlarmStore
from hub.stats.tenant_records import Dispute, TenantRecordsImport
from tests.alarms.signals import signal
from tests.dashboards import grafana_macros
from tests.dashboards.data import door, event
from tests.dashboards.grafana_macros import Raw
from tests.stats.conftest import World, make_world
from tests.stats.factory import ANN, BO, DAN, EVE, NIGHT, SITE, T0, at, scan
from tests.stats.factory import door as reader

MONDAY = date(2026, 11, 23)
SNAPSHOT, CLIP = "a" * 64, "b" * 64
ALL = Raw("'*'")  # the police dashboard's custom "all" value for gate and building
Run = Callable[..., list[tuple[Any, ...]]]


@pytest.fixture(scope="module")
def world(postgres_server: Any) -> Iterator[World]:
    """The stats tests' small site on PostgreSQL, with events, alarms, figures, colours."""
    made = make_world(postgres_server.create_database("dashboards_sql"))
    made.commit(
        reader("n-in", at(1), subject=ANN), reader("n-in", at(2), subject=DAN),
        reader("n-out", at(3), direction="out", subject=ANN),
        scan("main-s1", at(4), subject=EVE),
        reader("n-in", at(5), result="denied", subject=BO),
        scan("main-s1", at(6), subject=ANN, verdict="deny"),
        scan("s-code", at(7), subject=BO),
        door(8, "n-in", subject=ANN, media=[
            {"sha256": SNAPSHOT, "content_type": "image/jpeg", "role": "snapshot"},
            {"sha256": CLIP, "content_type": "video/mp4", "role": "clip"}]),
        event("vehicle", 9, "plate-cam", plate="A12345", direction="in", result="granted"),
        reader("n-in", NIGHT, subject=ANN),  # Monday 22:00 in Shanghai: after hours
    )
    alarms = AlarmStore(made.engine)
    alarms.apply(signal(key="k1", site=SITE, severity="high"), at(10), "01J" + "1" * 23)
    medium, _ = alarms.apply(signal(key="k2", site=SITE, severity="medium"), at(11),
                             "01J" + "2" * 23)
    alarms.acknowledge(medium.id, "guard", at(60))
    critical, _ = alarms.apply(signal(key="k3", site=SITE, severity="critical"), at(12),
                               "01J" + "3" * 23)
    alarms.resolve(critical.id, "guard", at(60))
    made.stats.tenants.apply(TenantRecordsImport(SITE, "disputes", items=[
        (2, Dispute(id="d-1", enterprise="blue", opened_on=MONDAY, kind="rent"))]))
    made.clock.now = NIGHT + timedelta(minutes=1)
    made.stats.recompute()
    yield made
    made.engine.dispose()


@pytest.fixture(scope="module")
def run(world: World) -> Run:
    """Run a dashboard query with Grafana's macros filled in; its rows."""

    def run_query(query: str, *, start: datetime = T0 - timedelta(hours=1),
                  end: datetime = T0 + timedelta(hours=1), interval: str = "1h",
                  **variables: grafana_macros.Values) -> list[tuple[Any, ...]]:
        values: dict[str, grafana_macros.Values] = {
            "site": [SITE], "building": ["north", "south"], **variables}
        sql = grafana_macros.sql(query, start, end, interval, values)
        with world.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]

    return run_query


def _police(**variables: grafana_macros.Values) -> dict[str, grafana_macros.Values]:
    return {"building": ALL, "gate": ALL, "subject": "", "plate": "", **variables}


def _epoch(ts: datetime) -> float:
    return float(int(ts.timestamp()) // 3600 * 3600)


@pytest.mark.parametrize("name", sorted(queries.SQL))
def test_every_sql_query_runs(run: Run, name: str) -> None:
    query = queries.SQL[name]
    # The police dashboard's building variable has the custom "all" value; the others' not.
    variables = _police(subject=ANN) if "'*' IN ($building)" in query else {
        "building": ["north", "south"]}
    filled = grafana_macros.sql(query, T0, at(1), "1m", {"site": [SITE], **variables})
    assert not re.search(r"\$[A-Za-z_{]", filled), filled  # every variable and macro filled
    assert run(query, **variables), f"{name} found nothing"


def test_variables_list_the_registry(run: Run) -> None:
    assert run(queries.SITES) == [("harbour-park", "Harbour Park")]
    assert run(queries.BUILDINGS) == [("north", "North Tower"), ("south", "South Tower")]
    assert [value for value, _ in run(queries.GATES)] == [
        "east-gate", "main", "n-7f", "n-lobby", "s-lobby"]


def test_open_alarms_by_severity_leave_out_resolved_ones(run: Run) -> None:
    assert run(queries.OPEN_ALARMS) == [("high", 1), ("medium", 1)]


def test_entries_and_exits_per_gate_per_minute(run: Run) -> None:
    minute = float(int(T0.timestamp()) // 60 * 60)
    assert [(float(t), g, n) for t, g, n in run(queries.GATE_FLOW_BY_GATE)] == [
        (minute, "n-lobby in", 3), (minute, "n-lobby out", 1)]


def test_access_per_building_and_per_enterprise(run: Run) -> None:
    hour = _epoch(T0)
    assert [(float(t), b, n) for t, b, n in run(queries.ACCESS_BY_BUILDING)] == [
        (hour, "north", 5), (hour, "south", 1)]
    assert [(float(t), e, n) for t, e, n in run(queries.ACCESS_BY_ENTERPRISE)] == [
        (hour, "acme", 4), (hour, "blue", 2)]
    assert [(b, n) for _, b, n in run(queries.ACCESS_BY_BUILDING, building=["south"])] == [
        ("south", 1)]


def test_visitors_are_distinct_people(run: Run) -> None:
    assert [n for _, n in run(queries.VISITORS)] == [1]


def test_denied_attempts_newest_first(run: Run) -> None:
    rows = run(queries.DENIED_ATTEMPTS)
    assert [(r[1], r[2], r[3], r[4], r[7]) for r in rows] == [
        ("main", None, "main-s1", "acme", "deny"),
        ("n-lobby", "north", "n-in", "blue", "denied"),
    ]


def test_enterprise_daily_figures_with_after_hours_and_visitors(run: Run) -> None:
    rows = run(queries.ENTERPRISE_DAILY, start=T0 - timedelta(hours=12), end=NIGHT)
    assert rows == [
        # enterprise, entries, denied, after hours, peak headcount, visitors
        ("acme", 5, 1, 1, 2, 1),
        ("blue", 1, 1, 0, 1, 0),
    ]


def test_colour_board_is_worst_first_with_reasons(run: Run) -> None:
    rows = run(queries.COLOUR_BOARD)
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("blue", "orange", "orange", "1 dispute open (rent)"),
        ("acme", "green", "green", None),
    ]


def test_access_audit_lists_badges_and_scans_in_buildings(run: Run) -> None:
    rows = run(queries.ACCESS_AUDIT)
    assert [(r[0], r[4], r[6], r[8]) for r in rows] == [
        (at(8), "n-lobby", "access", "acme"), (at(7), "s-lobby", "place_scan", "blue"),
        (at(5), "n-lobby", "access", "blue"), (at(3), "n-lobby", "access", "acme"),
        (at(2), "n-lobby", "access", "acme"), (at(1), "n-lobby", "access", "acme"),
    ]
    assert len({r[1] for r in rows}) == 6  # event ids, for the detail link


def test_police_matching_events_of_a_subject_with_media(run: Run) -> None:
    rows = run(queries.MATCHING_EVENTS, **_police(subject=ANN))
    assert [(r[0], r[5], r[8] == ANN, r[10], r[11]) for r in rows] == [
        (at(1), "n-lobby", True, None, None), (at(3), "n-lobby", True, None, None),
        (at(6), "main", True, None, None), (at(8), "n-lobby", True, SNAPSHOT, CLIP),
    ]
    in_window = run(queries.MATCHING_EVENTS, end=NIGHT, **_police(subject=ANN))
    assert len(in_window) == 5  # the after-hours badge at 22:00 too


def test_police_filters_by_gate_building_and_plate(run: Run) -> None:
    by_gate = run(queries.MATCHING_EVENTS, **_police(subject=ANN, gate=["main"]))
    assert [r[0] for r in by_gate] == [at(6)]
    by_building = run(queries.MATCHING_EVENTS, **_police(subject=ANN, building=["north"]))
    assert [r[0] for r in by_building] == [at(1), at(3), at(8)]
    by_plate = run(queries.MATCHING_EVENTS, **_police(plate="a12345"))
    assert [(r[0], r[2], r[9]) for r in by_plate] == [(at(9), "vehicle", "A12345")]
    assert run(queries.MATCHING_EVENTS, **_police()) == []  # nothing asked, nothing shown
    assert run(queries.MATCHING_EVENTS, **_police(subject="x' OR '1'='1")) == []


def test_police_movements_timeline(run: Run) -> None:
    assert run(queries.MOVEMENTS, **_police(subject=ANN)) == [
        (at(1), "n-lobby"), (at(3), "n-lobby"), (at(6), "main"), (at(8), "n-lobby")]
