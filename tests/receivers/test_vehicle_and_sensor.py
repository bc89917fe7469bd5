"""Plate reads and sensor readings: normalisation, skipping, derived alarms, over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from edge_agent.receivers.records import RecordError
from edge_agent.receivers.sensor import SensorHttpSource, derive_alarm
from edge_agent.receivers.settings import (
    AlarmRule,
    SensorHttpSettings,
    VehicleHttpSettings,
)
from edge_agent.receivers.vehicle import VehicleHttpSource, normalise_plate
from tests.receivers.support import RecordingSink, serving

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
READ = {"camera": "lpr-1", "plate": "京A 12345", "direction": "in", "result": "granted"}


def vehicles(**changes: Any) -> VehicleHttpSource:
    """A plate receiver on a free local port."""
    return VehicleHttpSource(VehicleHttpSettings(host="127.0.0.1", port=0, **changes))


def sensors(**changes: Any) -> SensorHttpSource:
    """A sensor receiver on a free local port."""
    return SensorHttpSource(SensorHttpSettings(host="127.0.0.1", port=0, **changes))


@pytest.mark.parametrize(
    ("raw", "plate"),
    [("京A 12345", "京A12345"), ("京A·12345", "京A12345"), ("ab-123 cd", "AB-123CD"),
     ("\uff22\uff2a\uff11\uff12\uff13", "BJ123")],  # full-width letters and digits
)  # fmt: skip
def test_plates_are_normalised(raw: str, plate: str) -> None:
    assert normalise_plate(raw) == plate
    draft = vehicles().convert({**READ, "plate": raw}, NOW)
    assert draft is not None and draft.fields["plate"] == plate


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"plate": "A" * 17}, "plate"),
        ({"plate": "   "}, "plate"),
        ({"plate": "AB\x07C"}, "plate"),
        ({"plate": 12345}, "plate"),
        ({"direction": "up"}, "direction"),
        ({"result": "maybe"}, "result"),
        ({"confidence": 1.5}, "confidence"),
    ],
)
def test_bad_plate_reads_are_refused_by_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(RecordError) as refused:
        vehicles().convert({**READ, **change}, NOW)
    assert [p.field for p in refused.value.problems] == [field]


def test_plate_reads_over_http_with_a_confidence_floor() -> None:
    sink = RecordingSink()
    batch = [
        {**READ, "confidence": 0.93, "direction": "exit", "result": "open"},
        {**READ, "confidence": 0.2},
        {**READ, "camera": None, "ts": "2026-11-22T08:01:02+08:00"},
    ]
    with serving(vehicles(min_confidence=0.5, device="lpr-default"), sink) as base:
        answer = httpx.post(f"{base}/events", json=batch)
    assert (answer.status_code, answer.json()) == (202, {"accepted": 2, "skipped": 1})
    events = sink.events()
    assert [(e["device"], e["plate"], e["direction"], e["result"]) for e in events] == [
        ("lpr-1", "京A12345", "out", "granted"),
        ("lpr-default", "京A12345", "in", "granted"),
    ]
    assert events[1]["ts"] == "2026-11-22T08:01:02+08:00"


@pytest.mark.parametrize(
    ("metric", "value", "alarm"),
    [
        ("smoke", True, True), ("smoke", False, False), ("water_leak", True, True),
        ("elevator_fault", 1, True), ("elevator_fault", 0, False), ("power", 0, True),
        ("power", 229.5, False), ("power", False, True), ("door_contact", True, False),
        ("smoke", None, False),
    ],
)  # fmt: skip
def test_alarm_is_derived_by_the_metric_rule(metric: str, value: Any, alarm: bool) -> None:
    draft = sensors().convert({"sensor": "s-1", "metric": metric, "value": value}, NOW)
    assert draft.fields["alarm"] is alarm


def test_a_sent_alarm_wins_and_rules_are_settings() -> None:
    draft = sensors().convert(
        {"sensor": "s", "metric": "smoke", "value": True, "alarm": False}, NOW
    )
    assert draft.fields["alarm"] is False
    rules = {"temperature": AlarmRule(above=60.0)}
    assert derive_alarm("temperature", 61, rules) and not derive_alarm("temperature", 60, rules)
    assert not derive_alarm("smoke", True, rules)  # replacing the rules drops the defaults


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"value": "1"}, "value"),
        ({"value": [1]}, "value"),
        ({"metric": "9lives"}, "metric"),
        ({"metric": "smoke!"}, "metric"),
        ({"alarm": "yes"}, "alarm"),
        ({"unit": "x" * 17}, "unit"),
    ],
)
def test_bad_readings_are_refused_by_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(RecordError) as refused:
        sensors().convert({"sensor": "s", "metric": "smoke", "value": True, **change}, NOW)
    assert [p.field for p in refused.value.problems] == [field]


def test_sensor_readings_over_http() -> None:
    sink = RecordingSink()
    batch = [
        {"sensor": "fire-B2", "metric": "Smoke", "value": True},
        {"sensor": "pdu-1", "metric": "power", "value": 230, "unit": "V"},
    ]
    with serving(sensors(), sink) as base:
        assert httpx.post(f"{base}/events", json=batch).json() == {"accepted": 2}
    assert [(e["metric"], e["value"], e.get("unit"), e["alarm"]) for e in sink.events()] == [
        ("smoke", True, None, True),
        ("power", 230.0, "V", False),
    ]
