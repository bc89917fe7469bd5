"""The pure mapping of ledger records to line protocol."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from influxdb_client import Point, WritePrecision

from hub.ports import Committed
from hub.records import HealthRecord, StatusRecord
from hub.timeseries import (
    alarm_line,
    committed_lines,
    event_line,
    health_lines,
    occupancy_line,
    points,
    status_line,
    timestamp_ns,
)
from sitewatch.protocol import GatewayHealth, GatewayStatus
from tests.timeseries.conftest import SUBJECT, T0, commit, event

T0_NS = 1772438400 * 10**9  # T0 in nanoseconds


def _point(measurement: str, tags: dict[str, str], fields: dict[str, Any], ns: int) -> str:
    """The same point as influxdb-client spells it: the reference for escaping and types."""
    point = Point(measurement).time(ns, WritePrecision.NS)
    for key, value in tags.items():
        point.tag(key, value)
    for key, value in fields.items():
        point.field(key, value)
    return str(point.to_line_protocol())


def _tag_section(line: str) -> str:
    """Measurement and tags: everything before the first unescaped space."""
    index = 0
    while True:
        index = line.index(" ", index + 1)
        if line[index - 1] != "\\":
            return line[:index]


def test_access_point_has_its_tags_fields_and_nanosecond_timestamp() -> None:
    line = event_line(event("access"))
    assert line == (
        "access,device=gate-1,direction=in,gateway=gw-1,result=granted,site=park-1 "
        f'count=1i,credential_type="card",subject="{SUBJECT}" {T0_NS}'
    )


def test_access_without_subject_leaves_the_field_out() -> None:
    line = event_line(event("access", subject=None, credential={"type": "pin"}))
    assert line.split(" ")[1] == 'count=1i,credential_type="pin"'


@pytest.mark.parametrize("kind", ["access", "place_scan", "camera", "vehicle", "sensor"])
def test_person_and_plate_identifiers_are_fields_never_tags(kind: str) -> None:
    line = event_line(event(kind))
    tags = _tag_section(line)
    assert "subject" not in tags
    assert "plate" not in tags
    assert SUBJECT not in tags
    assert "沪A12345" not in tags


@pytest.mark.parametrize(
    ("temperature", "fields"),
    [
        (37.3, "count=1i,fever=true,subject=\"{s}\",temperature_c=37.3,visitor=true"),
        (37.2, "count=1i,fever=false,subject=\"{s}\",temperature_c=37.2,visitor=true"),
        (None, "count=1i,subject=\"{s}\",visitor=true"),
    ],
)
def test_place_scan_fever_is_a_temperature_at_or_above_37_3(
    temperature: float | None, fields: str
) -> None:
    line = event_line(event("place_scan", temperature_c=temperature, visitor=True))
    assert line == (
        "place_scan,device=gate-1,gateway=gw-1,health=green,method=health_qr,site=park-1,"
        f"verdict=pass {fields.format(s=SUBJECT)} {T0_NS}"
    )


def test_camera_point_carries_only_the_figures_present() -> None:
    full = event("camera", type="crowd", count=14, score=0.875, zone="hall")
    absent: dict[str, Any] = {"in": None, "out": None, "zone": ""}
    bare = event("camera", type="tamper", **absent)
    assert event_line(full).split(" ")[1] == "count=14i,events=1i,in=2i,out=1i,score=0.875"
    # No figure at all still makes a valid line (events=1i); an empty zone is no tag.
    assert event_line(bare) == (
        f"camera,device=gate-1,gateway=gw-1,site=park-1,type=tamper events=1i {T0_NS}"
    )


def test_vehicle_point_keeps_the_plate_as_a_string_field() -> None:
    line = event_line(event("vehicle", direction="out", result="denied"))
    assert line == (
        "vehicle,device=gate-1,direction=out,gateway=gw-1,result=denied,site=park-1 "
        f'count=1i,plate="沪A12345" {T0_NS}'
    )


@pytest.mark.parametrize(
    ("value", "field"),
    [(True, ",value=1"), (False, ",value=0"), (3, ",value=3"), (0.25, ",value=0.25"),
     (None, ""), (float("inf"), "")],
)
def test_sensor_value_is_always_a_float_and_left_out_when_absent_or_infinite(
    value: object, field: str
) -> None:
    line = event_line(event("sensor", metric="water_leak", value=value, alarm=True))
    # Without an "i" suffix line protocol reads 1 and 3 as floats, so `value` keeps one type.
    assert line == (
        "sensor,device=gate-1,gateway=gw-1,metric=water_leak,site=park-1 "
        f"alarm=true{field} {T0_NS}"
    )


def test_timestamps_are_exact_nanoseconds_whatever_the_offset() -> None:
    local = datetime.fromisoformat("2026-03-02T16:00:00.123457+08:00")
    assert timestamp_ns(local) == T0_NS + 123_457_000
    # Float seconds would round this one: exact integer arithmetic does not.
    late = datetime(2262, 4, 11, 23, 47, 16, 854775, tzinfo=UTC)
    assert timestamp_ns(late) == 9_223_372_036_854_775_000


def test_awkward_names_are_escaped_as_influxdb_client_escapes_them() -> None:
    device = 'door 3, east=main "B"\\'  # space, comma, equals, quotes, trailing backslash
    plate = 'A "1"\\2'
    scan = event("vehicle", device=device, plate=plate)
    assert event_line(scan) == _point(
        "vehicle",
        {"site": "park-1", "gateway": "gw-1", "device": device, "direction": "in",
         "result": "granted"},
        {"count": 1, "plate": plate},
        T0_NS,
    )
    camera = event("camera", device=device, zone="hall\nwest", score=1.0)
    assert event_line(camera) == _point(
        "camera",
        {"site": "park-1", "gateway": "gw-1", "device": device, "type": "line_crossing",
         "zone": "hall\nwest"},
        {"events": 1, "in": 2, "out": 1, "score": 1.0},
        T0_NS,
    )


@pytest.mark.parametrize("kind", ["access", "place_scan", "sensor"])
def test_each_kind_matches_influxdb_client_for_the_same_values(kind: str) -> None:
    built = event(kind, device="gate 1")
    tags = {"site": "park-1", "gateway": "gw-1", "device": "gate 1"}
    fields: dict[str, Any]
    if kind == "access":
        tags |= {"direction": "in", "result": "granted"}
        fields = {"count": 1, "credential_type": "card", "subject": SUBJECT}
    elif kind == "place_scan":
        tags |= {"health": "green", "method": "health_qr", "verdict": "pass"}
        fields = {"count": 1, "fever": False, "subject": SUBJECT, "temperature_c": 36.6,
                  "visitor": False}
    else:
        tags |= {"metric": "smoke"}
        fields = {"alarm": False, "value": 0.4}
    assert event_line(built) == _point(kind, tags, fields, T0_NS)


def _health(**changes: Any) -> HealthRecord:
    report: dict[str, Any] = {
        "ts": (T0 + timedelta(seconds=5)).isoformat(), "outbox_depth": 12,
        "oldest_pending_age_s": 1.5, "inflight": 3, "dropped": {"low": 4, "media": 1},
        "cpu_percent": 7.0, "memory_rss_bytes": 50_000_000,
        "cameras": {"cam 2": {"fps": 12.5, "dropped_frames": 9, "online": False},
                    "cam-1": {"fps": 25, "latency_ms": 40.5}},
    }
    report.update(changes)
    return HealthRecord("park-1", "gw-1", GatewayHealth.model_validate(report), T0)


def test_health_report_gives_a_gateway_point_and_one_point_per_camera() -> None:
    ns = T0_NS + 5 * 10**9
    assert health_lines(_health()) == [
        "gateway_health,gateway=gw-1,site=park-1 cpu_percent=7,dropped_total=5i,inflight=3i,"
        f"memory_rss_bytes=50000000i,oldest_pending_age_s=1.5,outbox_depth=12i {ns}",
        "camera_health,camera=cam\\ 2,gateway=gw-1,site=park-1 "
        f"dropped_frames=9i,fps=12.5,online=false {ns}",
        "camera_health,camera=cam-1,gateway=gw-1,site=park-1 "
        f"dropped_frames=0i,fps=25,latency_ms=40.5,online=true {ns}",
    ]


def test_status_point_is_an_online_boolean_stamped_when_received() -> None:
    received = T0 + timedelta(minutes=1)
    for state, online in (("online", "true"), ("offline", "false")):
        status = GatewayStatus(state=state, agent_version="1.0", started_at=T0, config_hash="x")
        line = status_line(StatusRecord("park-1", "gw-1", status, received))
        ns = T0_NS + 60 * 10**9
        assert line == f"gateway_status,gateway=gw-1,site=park-1 online={online} {ns}"


def test_occupancy_and_alarm_points_for_other_parts_of_the_hub() -> None:
    assert occupancy_line("park-1", "tower A", 312, T0) == (
        f"occupancy,building=tower\\ A,site=park-1 persons=312i {T0_NS}"
    )
    assert alarm_line("park-1", "fever", "high", "raised", "al-7", T0) == (
        f'alarm,rule=fever,severity=high,site=park-1,state=raised alarm_id="al-7",count=1i {T0_NS}'
    )


def test_a_commit_gives_its_events_then_healths_then_statuses() -> None:
    status = GatewayStatus(state="online", agent_version="1.0", started_at=T0, config_hash="x")
    committed = Committed(
        events=commit(event("access"), event("sensor", 1)).events,
        statuses=(StatusRecord("park-1", "gw-1", status, T0),),
        healths=(_health(cameras={}),),
        dead_letters=2,
    )
    measurements = [line.split(",", 1)[0] for line in committed_lines(committed)]
    assert measurements == ["access", "sensor", "gateway_health", "gateway_status"]


def test_remembered_tag_escapes_stay_bounded_whatever_devices_the_wire_sends() -> None:
    for n in range(points._ESCAPED_TAGS_MAX + 5):
        assert event_line(event("sensor", device=f"probe {n}")).startswith(
            f"sensor,device=probe\\ {n},"
        )
    assert len(points._escaped_tags) <= points._ESCAPED_TAGS_MAX
