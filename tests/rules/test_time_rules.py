"""Rules about hours and devices: after hours, red enterprises, gateways and cameras."""

from __future__ import annotations

from datetime import time

from hub.rules import BusinessHours
from sitewatch.protocol import CameraHealth
from tests.rules.factory import (
    ALICE,
    BOB,
    GATEWAY,
    GUARD,
    NIGHT,
    SITE,
    STRANGER,
    T0,
    access,
    at,
    engine,
    health,
    scan,
    status,
)

AFTER_HOURS = {"name": "late", "type": "after_hours"}


def test_after_hours_entry_alarms_for_people_without_permission() -> None:
    rules = engine(AFTER_HOURS)
    entries = [access(NIGHT, subject=ALICE), access(NIGHT, subject=BOB),
               access(NIGHT, subject=GUARD), scan(NIGHT, subject=STRANGER),
               access(NIGHT, subject=ALICE, direction="out"), access(T0, subject=ALICE),
               access(NIGHT, subject=ALICE, result="denied")]
    signals = rules.evaluate(entries, [], [], NIGHT)
    assert [s.key for s in signals] == [f"late|{SITE}|{ALICE}", f"late|{SITE}|{STRANGER}"]
    assert signals[0].detail == {
        "subject": ALICE, "device": "ta-ts-in-1", "gate": "ta-lobby",
        "local_time": "2026-11-23T22:00:00+08:00", "enterprise": "lianxin",
        "person_type": "employee",
    }
    known_only = engine({**AFTER_HOURS, "include_unknown": False})
    assert known_only.evaluate([scan(NIGHT, subject=STRANGER)], [], [], NIGHT) == []


def test_weekends_are_after_hours_and_hours_may_span_midnight() -> None:
    saturday_noon = at(5 * 24 * 3600 + 2 * 3600)  # the site's hours are Monday to Friday
    assert len(engine(AFTER_HOURS).evaluate([access(saturday_noon)], [], [], saturday_noon)) == 1
    night_shift = BusinessHours(time(22), time(6), "Asia/Shanghai")
    assert night_shift.contains(NIGHT) and not night_shift.contains(T0)
    assert BusinessHours(time(0), time(0)).contains(NIGHT)


def test_red_enterprise_people_active_after_hours_alarm_per_enterprise() -> None:
    rules = engine({"name": "red-late", "type": "red_enterprise_after_hours"})
    out = access(NIGHT, subject=ALICE, direction="out", device="ta-ts-out-1")
    events = [out, access(NIGHT, subject=BOB), access(T0, subject=ALICE),
              access(NIGHT, subject=None, result="forced")]
    [signal] = rules.evaluate(events, [], [], NIGHT)
    assert signal.key == f"red-late|{SITE}|lianxin" and signal.event_ids == (out.id,)
    assert signal.detail["colour"] == "red" and signal.detail["subject"] == ALICE
    orange = engine({"name": "x", "type": "red_enterprise_after_hours", "colours": ["orange"]})
    assert orange.evaluate([out], [], [], NIGHT) == []


GATEWAYS = {"name": "gw", "type": "gateway_offline", "health_interval_s": 30,
            "missed_reports": 3}


def test_a_last_will_raises_one_offline_signal_until_the_gateway_is_back() -> None:
    rules = engine(GATEWAYS)
    [signal] = rules.evaluate([], [status("offline", at(0))], [], at(0))
    assert signal.key == f"gw|{SITE}|{GATEWAY}" and signal.ts == at(0)
    assert signal.detail["reason"] == "last_will" and signal.event_ids == ()
    assert rules.evaluate([], [status("offline", at(5))], [], at(5)) == []  # redelivered
    assert rules.evaluate([], [status("online", at(10))], [], at(10)) == []
    assert len(rules.evaluate([], [status("offline", at(20))], [], at(20))) == 1


def test_a_gateway_silent_for_missed_reports_intervals_raises_one_signal() -> None:
    rules = engine(GATEWAYS)
    assert rules.evaluate([], [], [health(at(0))], at(0)) == []
    assert rules.tick(at(90)) == []
    [signal] = rules.tick(at(91))
    assert signal.detail["reason"] == "no_health" and signal.detail["silent_s"] == 91
    assert signal.ts == at(91)
    assert rules.tick(at(200)) == []
    assert rules.evaluate([], [], [health(at(210))], at(210)) == []  # re-armed
    assert len(rules.tick(at(301))) == 1


def test_a_gateway_that_comes_online_and_never_reports_health_counts_as_silent() -> None:
    rules = engine(GATEWAYS)
    rules.evaluate([], [status("online", at(0))], [], at(0))
    assert len(rules.tick(at(91))) == 1


def test_a_camera_offline_or_at_zero_fps_raises_one_signal_per_outage() -> None:
    rules = engine({"name": "cams", "type": "camera_offline"})
    good, dark, stuck = CameraHealth(fps=5), CameraHealth(fps=0, online=False), CameraHealth(fps=0)
    assert rules.evaluate([], [], [health(at(0), cameras={"lobby": good})], at(0)) == []
    [signal] = rules.evaluate([], [], [health(at(10), cameras={"lobby": dark})], at(10))
    assert signal.key == f"cams|{SITE}|{GATEWAY}|lobby" and signal.title == "Camera lobby offline"
    assert rules.evaluate([], [], [health(at(20), cameras={"lobby": dark})], at(20)) == []
    assert rules.evaluate([], [], [health(at(30), cameras={"lobby": good})], at(30)) == []
    [again] = rules.evaluate([], [], [health(at(40), cameras={"lobby": stuck})], at(40))
    assert again.title == "Camera lobby at 0 fps"
