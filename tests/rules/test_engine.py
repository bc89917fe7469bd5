"""The engine around the rules: scope, disabled rules, old events, bounded state."""

from __future__ import annotations

from datetime import timedelta

from hub.rules import EngineLimits
from hub.rules.windows import KeyedWindows, SeenIds
from tests.rules.factory import T0, access, at, engine, scan

FEVER = {"name": "fever", "type": "fever"}


def test_a_rule_watches_only_the_sites_in_its_scope() -> None:
    rules = engine({**FEVER, "scope": {"sites": ["market"]}})
    hot_park, hot_market = scan(temperature_c=39.0), scan(temperature_c=39.0, site="market")
    assert [s.site for s in rules.evaluate([hot_park, hot_market], [], [], T0)] == ["market"]


def test_a_disabled_rule_does_not_run() -> None:
    rules = engine({**FEVER, "enabled": False}, {"name": "forced", "type": "door_forced"})
    assert [rule.name for rule in rules.rules] == ["forced"]
    assert rules.evaluate([scan(temperature_c=39.0)], [], [], T0) == []


def test_events_older_than_the_max_age_count_but_raise_nothing() -> None:
    rules = engine({"name": "burst", "type": "denied_burst", "denials": 2},
                   max_event_age=timedelta(hours=1))
    now = at(2 * 3600)
    assert rules.evaluate([access(at(0), "denied"), access(at(10), "denied")], [], [], now) == []
    assert rules.counters.too_old == 1
    # A denial just too old to alarm on still makes a burst with a fresh one.
    stale, fresh = access(at(3590), "denied"), access(at(3610), "denied")
    [signal] = rules.evaluate([stale, fresh], [], [], now)
    assert signal.event_ids == (stale.id, fresh.id)
    fever = engine(FEVER, max_event_age=timedelta(hours=1))
    assert fever.evaluate([scan(at(0), temperature_c=39.0)], [], [], now) == []
    assert len(fever.evaluate([scan(at(0), temperature_c=39.0)], [], [], at(60))) == 1


def test_windows_keep_at_most_max_keys_dropping_the_least_recently_used() -> None:
    rules = engine({"name": "burst", "type": "denied_burst", "denials": 2},
                   limits=EngineLimits(max_keys=2))
    first = access(at(0), "denied", device="door-1")
    rules.evaluate([first, access(at(1), "denied", device="door-2"),
                    access(at(2), "denied", device="door-3")], [], [], at(2))
    # door-1's first denial was forgotten to make room, so its second starts afresh.
    assert rules.evaluate([access(at(3), "denied", device="door-1")], [], [], at(3)) == []
    assert len(rules.evaluate([access(at(4), "denied", device="door-3")], [], [], at(4))) == 1

    windows: KeyedWindows[str, int] = KeyedWindows(timedelta(seconds=10), 100, max_entries=3)
    for second in range(6):
        windows.add("door", at(second), second)
    assert [item for _, item in windows.add("door", at(6), 6)] == [4, 5, 6]
    windows.prune(at(3600 + 17))
    assert len(windows) == 0


def test_seen_ids_remember_a_bounded_number_of_ids() -> None:
    seen = SeenIds(capacity=2)
    assert seen.add("a") and seen.add("b") and not seen.add("a")
    assert seen.add("c")  # pushes out "a"
    assert seen.add("a")
