"""Rules one event decides: fever, health code, doors, tamper, crowds, sensors."""

from __future__ import annotations

from collections.abc import Mapping

from hub.rules.signals import AlarmSignal
from sitewatch.protocol import Event
from tests.rules.factory import ALICE, SITE, T0, access, camera, engine, scan, sensor


def fire(rule: Mapping[str, object], *events: Event) -> list[AlarmSignal]:
    return engine(dict(rule)).evaluate(events, [], [], T0)


def test_fever_at_or_over_the_threshold_alarms_per_person() -> None:
    rule = {"name": "fever", "type": "fever", "severity": "high", "threshold_c": 37.5,
            "escalate_after_s": 60}
    hot = scan(temperature_c=38.2)
    [signal] = fire(rule, scan(temperature_c=37.4), hot, scan(temperature_c=None))
    assert signal.rule == "fever" and signal.type == "fever" and signal.severity == "high"
    assert signal.key == f"fever|{SITE}|{ALICE}" and signal.site == SITE
    assert signal.event_ids == (hot.id,) and signal.ts == hot.ts
    assert signal.escalate_after_s == 60
    assert signal.detail["temperature_c"] == 38.2 and signal.detail["gate"] == "main-gate"
    assert signal.title == "Fever 38.2 °C at mg-sentinel-1"
    assert len(fire(rule, scan(temperature_c=37.5))) == 1  # the threshold itself is fever


def test_health_code_alarms_on_the_listed_colours_only() -> None:
    red_only = {"name": "red", "type": "health_code"}
    assert [s.detail["health"] for s in fire(red_only, scan(health="red"),
                                             scan(health="yellow"))] == ["red"]
    both = {"name": "codes", "type": "health_code", "colours": ["red", "yellow"]}
    assert len(fire(both, scan(health="red"), scan(health="yellow"), scan(health="green"))) == 2


def test_forced_and_held_open_doors_alarm_per_door() -> None:
    events = [access(result="forced", subject=None), access(result="held_open"),
              access(result="denied"), access(result="granted")]
    [forced] = fire({"name": "forced", "type": "door_forced"}, *events)
    assert forced.key == f"forced|{SITE}|ta-ts-in-1" and forced.event_ids == (events[0].id,)
    assert forced.title == "Door ta-ts-in-1 forced open" and forced.detail["gate"] == "ta-lobby"
    [held] = fire({"name": "held", "type": "door_held_open"}, *events)
    assert held.event_ids == (events[1].id,) and held.title == "Door ta-ts-in-1 held open"


def test_camera_tamper_alarms_above_its_minimum_score() -> None:
    rule = {"name": "tamper", "type": "camera_tamper", "min_score": 0.5}
    sure, unsure = camera(type="tamper", score=0.9), camera(type="tamper", score=0.2)
    [signal] = fire(rule, sure, unsure, camera(type="motion", score=0.99))
    assert signal.event_ids == (sure.id,) and signal.key == f"tamper|{SITE}|cam-ta-lobby"


def test_camera_crowd_alarms_from_its_minimum_count() -> None:
    rule = {"name": "crowd", "type": "crowding", "source": "camera", "min_count": 15}
    big = camera(type="crowd", count=20, zone="plaza")
    [signal] = fire(rule, camera(type="crowd", count=10), big, camera(type="person", count=30))
    assert signal.event_ids == (big.id,) and signal.title == "Crowd of 20 at plaza"
    assert signal.detail["gates"] == ["ta-lobby"]


def test_sensor_alarm_takes_its_severity_from_the_metric() -> None:
    rule = {"name": "sensors", "type": "sensor_alarm", "severity": "medium",
            "severities": {"smoke": "critical"}}
    smoke, power = sensor(metric="smoke"), sensor(metric="power", device="ta-power")
    signals = fire(rule, smoke, power, sensor(metric="smoke", alarm=False))
    assert [(s.severity, s.event_ids) for s in signals] == [
        ("critical", (smoke.id,)), ("medium", (power.id,))]
    assert signals[0].key == f"sensors|{SITE}|ta-smoke-18f|smoke"
    watched = {"name": "leaks", "type": "sensor_alarm", "metrics": ["water_leak"]}
    assert fire(watched, smoke) == []
