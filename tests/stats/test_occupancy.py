"""Occupancy (pure): one source of truth per area, never below zero, a fresh count each day."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import pytest

from hub.records import EventRecord
from hub.stats import LiveOccupancy, OccupancyCounter, SitePlan, site_plan
from hub.stats.occupancy import Passage, passage_of, site_occupancy
from hub.timeseries import occupancy_line
from sitewatch.protocol import Event
from tests.stats.factory import NIGHT, SITE, T0, at, crossing, door, scan, static_live


@pytest.fixture(scope="module")
def plan() -> SitePlan:
    """The small site's counting plan."""
    live = static_live()
    live.refresh()
    return site_plan(live.current.sites[SITE])


def count(plan: SitePlan, *events: Event) -> OccupancyCounter:
    """A counter that has seen these events."""
    counter = OccupancyCounter()
    for event in events:
        passage = passage_of(event)
        assert passage is not None
        counter.apply(plan, passage)
    return counter


def test_each_area_has_one_source_chosen_from_the_registry(plan: SitePlan) -> None:
    assert dict(plan.sources) == {"north": "access", "south": "camera", None: "place_scan"}
    # The north lobby's camera and the floor door's reader do not count: readers do.
    assert set(plan.devices) == {"n-in", "n-out", "n-both", "cam-s-line", "main-s1", "east-s1"}
    assert plan.devices["n-out"].direction == "out"


def test_readers_count_by_their_registered_direction(plan: SitePlan) -> None:
    counter = count(
        plan,
        door("n-in", at(1)), door("n-in", at(2)), door("n-in", at(3)),
        door("n-both", at(4), direction="in"),
        # A reader registered `out` subtracts whatever the event says.
        door("n-out", at(5), direction="in"),
        door("n-both", at(6), direction="out"),
        door("n-in", at(7), result="denied"),  # a denied passage moves nobody
        door("n-7f-reader", at(8)),  # a floor door is inside the building
        door("cam-n-lobby", at(9)),  # not a counting device of north
    )
    assert counter.counts(plan, at(10)) == {"north": 2}


def test_the_count_never_goes_below_zero(plan: SitePlan) -> None:
    counter = count(plan, door("n-out", at(1)), door("n-out", at(2)), door("n-in", at(3)))
    assert counter.counts(plan, at(4)) == {"north": 1}


def test_cameras_count_in_minus_out_and_scans_count_entries(plan: SitePlan) -> None:
    counter = count(
        plan,
        crossing(ts=at(1), in_=5, out=1), crossing(ts=at(2), in_=0, out=7),
        crossing(ts=at(3), in_=3), crossing(ts=at(4), in_=9, type_="person"),
        scan("main-s1", at(5)), scan("east-s1", at(6)), scan("main-s1", at(7), verdict="deny"),
        scan("s-code", at(8)),  # south is counted by its camera, not its place code
    )
    assert counter.counts(plan, at(9)) == {"south": 3, None: 2}


def test_counts_start_from_zero_at_local_midnight(plan: SitePlan) -> None:
    evening = NIGHT  # Monday 22:00 in Shanghai
    counter = count(plan, door("n-in", evening), door("n-in", evening))
    assert counter.counts(plan, evening) == {"north": 2}
    # Monday 23:59 → still Monday; Tuesday 00:01 local (16:01 UTC): a new day, nobody read yet.
    assert counter.counts(plan, evening + timedelta(minutes=119)) == {"north": 2}
    assert counter.counts(plan, evening + timedelta(minutes=121)) == {}
    tuesday = evening + timedelta(hours=3)
    passage = passage_of(door("n-in", tuesday))
    assert passage is not None and counter.apply(plan, passage) == ("north", 1)
    late = passage_of(door("n-in", evening))  # Monday's, arriving late: changes nothing now
    assert late is not None and counter.apply(plan, late) is None
    assert counter.counts(plan, tuesday) == {"north": 1}


def test_the_site_figure_is_its_grounds_or_the_sum_of_its_buildings(plan: SitePlan) -> None:
    counter = count(plan, door("n-in", at(1)), crossing(ts=at(2), in_=4), scan("main-s1", at(3)))
    found = site_occupancy(plan, counter.counts(plan, at(4)))
    assert (found.persons, found.source) == (1, "grounds")
    assert [(b.building, b.persons, b.capacity, b.source) for b in found.buildings] == [
        ("north", 1, 800, "access"), ("south", 4, None, "camera")]
    no_grounds = SitePlan(SITE, plan.timezone, plan.buildings,
                          {k: v for k, v in plan.sources.items() if k is not None},
                          plan.devices, plan.capacities)
    summed = site_occupancy(no_grounds, counter.counts(plan, at(4)))
    assert (summed.persons, summed.source) == (5, "buildings")


def test_live_occupancy_sends_points_and_a_rebuild_neither_loses_nor_doubles() -> None:
    live = static_live()
    live.refresh()
    sent: list[str] = []
    occupancy = LiveOccupancy(live, sent.extend)
    first, second, third = door("n-in", at(1)), door("n-in", at(2)), door("n-in", at(3))
    occupancy.record([EventRecord(first, b"{}", T0)])
    assert sent == [occupancy_line(SITE, "north", 1, at(1))]

    def read(plans: Mapping[str, SitePlan], now: datetime) -> list[Passage]:
        # While the ledger is read, two more commits land: one the read saw, one it did not.
        occupancy.record([EventRecord(second, b"{}", T0), EventRecord(third, b"{}", T0)])
        return [p for p in map(passage_of, (first, second)) if p is not None]

    occupancy.rebuild(read, at(4))
    [found] = occupancy.now(at(5))
    assert [b.persons for b in found.buildings] == [3, 0]
