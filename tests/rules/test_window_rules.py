"""Rules that count over time: denied bursts, tailgating, occupancy."""

from __future__ import annotations

from tests.rules.factory import ALICE, BOB, SITE, access, at, camera, engine, scan

BURST = {"name": "burst", "type": "denied_burst", "denials": 3, "window_s": 60}


def test_denied_burst_per_door_needs_n_denials_within_the_window() -> None:
    rules = engine(BURST)
    spread = [access(at(0), "denied"), access(at(40), "denied"), access(at(110), "denied")]
    assert rules.evaluate(spread, [], [], at(110)) == []  # never 3 within 60 s
    burst = [access(at(120), "denied", subject=BOB), access(at(125), "denied")]
    [signal] = rules.evaluate(burst, [], [], at(125))
    assert signal.key == f"burst|{SITE}|ta-ts-in-1"
    assert signal.event_ids == (spread[2].id, burst[0].id, burst[1].id)
    assert signal.detail["denials"] == 3 and signal.detail["door"] == "ta-ts-in-1"
    # Reported once: the next burst needs three fresh denials.
    assert rules.evaluate([access(at(130), "denied")], [], [], at(130)) == []


def test_denied_burst_per_person_counts_across_doors_and_scans() -> None:
    rules = engine({**BURST, "per": "person"})
    events = [access(at(0), "denied", device="ta-ts-in-1"),
              access(at(5), "denied", device="ta-ts-in-2", subject=BOB),
              access(at(10), "denied", device="ta-ts-in-2"),
              scan(at(20), verdict="deny")]
    [signal] = rules.evaluate(events, [], [], at(20))
    assert signal.key == f"burst|{SITE}|{ALICE}"
    assert signal.event_ids == (events[0].id, events[2].id, events[3].id)


def test_a_repeated_event_id_is_not_counted_twice() -> None:
    rules = engine(BURST)
    denial = access(at(0), "denied")
    assert rules.evaluate([denial, denial], [], [], at(0)) == []
    assert rules.evaluate([denial], [], [], at(1)) == []  # again in a later commit
    assert rules.counters.repeats == 2
    [signal] = rules.evaluate([access(at(2), "denied"), access(at(3), "denied")], [], [], at(3))
    assert signal.detail["denials"] == 3 and signal.event_ids[0] == denial.id


TAILGATING = {"name": "tailgating", "type": "tailgating", "window_s": 10, "settle_s": 5}


def test_three_persons_crossing_behind_one_badge_raise_one_tailgating_alarm() -> None:
    rules = engine(TAILGATING)
    badge = access(at(0))
    crossings = [camera(at(1), in_=1), camera(at(2), in_=1), camera(at(3), in_=1)]
    assert rules.evaluate([badge, *crossings], [], [], at(3)) == []  # not settled yet
    assert rules.tick(at(7)) == []
    [signal] = rules.tick(at(8))
    assert signal.key == f"tailgating|{SITE}|ta-lobby"
    assert signal.detail == {
        "gate": "ta-lobby", "persons": 3, "badges": 1, "unbadged": 2,
        "cameras": ["cam-ta-lobby"], "window_s": 10.0,
        "first": at(1).isoformat(), "last": at(3).isoformat(),
    }
    assert set(signal.event_ids) == {badge.id, *(c.id for c in crossings)}
    assert signal.title == "Tailgating at ta-lobby: 3 persons in, 1 badge-ins"
    assert rules.tick(at(20)) == []  # decided once


def test_a_badge_arriving_in_a_later_commit_still_admits_its_person() -> None:
    rules = engine(TAILGATING)
    assert rules.evaluate([camera(at(0), in_=2), access(at(-1))], [], [], at(0)) == []
    # The second badge-in reaches the hub a commit later, before the crossing settles.
    assert rules.evaluate([access(at(1), device="ta-ts-in-2")], [], [], at(2)) == []
    assert rules.tick(at(10)) == []


def test_tailgating_ignores_badges_outside_the_window_and_out_or_denied_ones() -> None:
    rules = engine({**TAILGATING, "settle_s": 0})
    events = [access(at(-30)), access(at(0), direction="out", device="ta-ts-out-1"),
              access(at(0), result="denied"), scan(at(0), device="ta-ts-in-1", verdict="deny"),
              camera(at(1), in_=1, out=3)]
    [signal] = rules.evaluate(events, [], [], at(1))
    assert (signal.detail["persons"], signal.detail["badges"]) == (1, 0)


def test_a_passing_place_scan_counts_as_a_badge_in_unless_switched_off() -> None:
    events = [scan(at(0), device="ta-ts-in-1"), camera(at(1), in_=1)]
    assert engine({**TAILGATING, "settle_s": 0}).evaluate(events, [], [], at(1)) == []
    strict = engine({**TAILGATING, "settle_s": 0, "count_scans": False})
    assert len(strict.evaluate(events, [], [], at(1))) == 1


OCCUPANCY = {"name": "full", "type": "crowding", "source": "occupancy", "severity": "high"}


def test_occupancy_over_capacity_alarms_once_until_it_falls_back() -> None:
    rules = engine(OCCUPANCY)  # tower-a holds 2
    two = [access(at(0)), access(at(1), subject=BOB)]
    assert rules.evaluate(two, [], [], at(1)) == []
    third = access(at(2))
    [signal] = rules.evaluate([third], [], [], at(2))
    assert signal.key == f"full|{SITE}|tower-a" and signal.event_ids == (third.id,)
    assert signal.detail == {"building": "tower-a", "occupancy": 3, "capacity": 2,
                             "capacity_ratio": 1.0, "gate": "ta-lobby"}
    assert rules.evaluate([access(at(3))], [], [], at(3)) == []  # still over: no repeat
    leaving = [access(at(4 + i), direction="out", device="ta-ts-out-1") for i in range(2)]
    assert rules.evaluate(leaving, [], [], at(6)) == []
    assert len(rules.evaluate([access(at(7))], [], [], at(7))) == 1  # over again


def test_occupancy_starts_from_zero_on_each_local_day() -> None:
    rules = engine(OCCUPANCY)
    assert rules.evaluate([access(at(i)) for i in range(2)], [], [], at(2)) == []
    # Nobody badged out; yesterday's two must not make today's first entrant the third.
    tomorrow = at(24 * 3600)
    assert rules.evaluate([access(tomorrow)], [], [], tomorrow) == []
    assert len(rules.evaluate([access(at(1, tomorrow)), access(at(2, tomorrow))], [], [],
                              at(2, tomorrow))) == 1
