"""Geometry, counting lines, zones and the analytics settings, on plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ValidationError

from edge_agent.camera.geometry import (
    clip_box,
    crossing_position,
    feet,
    grow_box,
    inside_polygon,
    iou,
    merge_overlapping,
    signed_distance,
    suppress_overlaps,
    within_hours,
)
from edge_agent.camera.lines import LineCounter
from edge_agent.camera.settings import AnalyticsSettings, LineSettings, ZoneSettings
from edge_agent.camera.zones import ZoneWatch

CST = timezone(timedelta(hours=8))


def at(hour: int, minute: int = 0, tz: timezone = CST) -> float:
    """Seconds since the epoch at a local time of day."""
    return datetime(2024, 3, 5, hour, minute, tzinfo=tz).timestamp()


def test_iou_of_identical_disjoint_and_half_overlapping_boxes() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 0, 10, 10)) == 0.0
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)
    assert iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0


def test_feet_are_the_bottom_centre() -> None:
    assert feet((10, 20, 30, 40)) == (25.0, 60.0)


def test_signed_distance_is_positive_right_of_a_to_b_on_the_screen() -> None:
    # a→b points down the screen: its right-hand side is the screen's left.
    a, b = (100.0, 0.0), (100.0, 50.0)
    assert signed_distance(a, b, (90.0, 10.0)) == pytest.approx(10.0)
    assert signed_distance(a, b, (103.0, 40.0)) == pytest.approx(-3.0)
    # a→b points right: its right-hand side is below on the screen (y grows downwards).
    assert signed_distance((0.0, 0.0), (10.0, 0.0), (5.0, 4.0)) == pytest.approx(4.0)


def test_crossing_position_within_and_beside_the_segment() -> None:
    a, b = (0.0, 0.0), (0.0, 100.0)
    assert crossing_position(a, b, (-5.0, 25.0), (5.0, 25.0)) == pytest.approx(0.25)
    assert crossing_position(a, b, (-5.0, 40.0), (15.0, 80.0)) == pytest.approx(0.5)
    assert crossing_position(a, b, (-5.0, 150.0), (5.0, 150.0)) == pytest.approx(1.5)


def test_inside_polygon_handles_a_concave_shape() -> None:
    ell = [(0, 0), (10, 0), (10, 4), (4, 4), (4, 10), (0, 10)]
    assert inside_polygon((2.0, 2.0), ell)
    assert inside_polygon((8.0, 2.0), ell)
    assert inside_polygon((2.0, 8.0), ell)
    assert not inside_polygon((8.0, 8.0), ell)
    assert not inside_polygon((-1.0, 5.0), ell)


def test_within_hours_always_daytime_overnight_and_all_day() -> None:
    assert within_hours(None, at(3), CST)
    assert within_hours("09:00-17:30", at(9), CST)
    assert within_hours("09:00-17:30", at(17, 29), CST)
    assert not within_hours("09:00-17:30", at(17, 30), CST)
    assert within_hours("18:00-07:00", at(23), CST)
    assert within_hours("18:00-07:00", at(6, 59), CST)
    assert not within_hours("18:00-07:00", at(12), CST)
    assert within_hours("00:00-00:00", at(12), CST)


def test_within_hours_reads_the_site_time_zone() -> None:
    # 20:00 at the site is 12:00 UTC: the same instant is in hours there, not in UTC.
    ts = at(20)
    assert within_hours("18:00-07:00", ts, CST)
    assert not within_hours("18:00-07:00", ts, UTC)


def test_clip_box_keeps_the_part_inside_the_frame() -> None:
    assert clip_box((-5, -5, 20, 20), 100, 50) == (0, 0, 15, 15)
    assert clip_box((90, 40, 20, 20), 100, 50) == (90, 40, 10, 10)
    assert clip_box((200, 0, 10, 10), 100, 50) == (100, 0, 0, 10)


def test_grow_box_pads_reaches_the_minimum_and_stays_in_the_frame() -> None:
    assert grow_box((40, 40, 10, 20), 0.5, 0, 0, 200, 200) == (30, 30, 30, 40)
    assert grow_box((40, 40, 10, 20), 0.0, 32, 64, 200, 200) == (29, 18, 32, 64)
    # Near the corner the box is shifted in, not cut.
    assert grow_box((0, 0, 10, 10), 0.0, 40, 40, 200, 200) == (0, 0, 40, 40)
    assert grow_box((0, 0, 10, 10), 0.0, 400, 400, 200, 100) == (0, 0, 200, 100)


def test_merge_overlapping_joins_stacked_boxes_but_not_diagonal_ones() -> None:
    stacked = merge_overlapping([(0, 0, 10, 10), (2, 2, 10, 10), (50, 50, 5, 5)])
    assert sorted(stacked) == [(0, 0, 12, 12), (50, 50, 5, 5)]
    # Their bounding box (20x20 = 400) is larger than both (2 x 121): kept apart.
    diagonal = [(0, 0, 11, 11), (9, 9, 11, 11)]
    assert merge_overlapping(diagonal) == diagonal
    # A merged box that then swallows an earlier one is merged again.
    chain = merge_overlapping([(0, 0, 10, 10), (20, 0, 10, 10), (8, 0, 14, 10)])
    assert chain == [(0, 0, 30, 10)]


def test_suppress_overlaps_drops_a_weaker_loose_box_around_a_tight_one() -> None:
    boxes = [(10, 10, 20, 40), (0, 0, 60, 80), (100, 10, 20, 40)]
    assert suppress_overlaps(boxes, [0.9, 0.6, 0.7], 0.6) == [0, 2]
    assert suppress_overlaps(boxes, [0.9, 0.6, 0.7], 1.0) == [0, 2, 1]


def vertical_line(**extra: object) -> LineCounter:
    """A line at x = 100 from y = 0 (a) down to y = 100 (b); feet arriving left count in."""
    settings = {"name": "gate", "a": (100, 0), "b": (100, 100), "in_side": "right"}
    return LineCounter(LineSettings.model_validate(settings | extra))


def test_line_counts_in_and_out_by_side() -> None:
    line = vertical_line()
    assert [line.update(1, (x, 50.0)) for x in (130.0, 112.0, 90.0, 80.0)] == [
        None,
        None,
        "in",
        None,
    ]
    assert [line.update(2, (x, 50.0)) for x in (60.0, 99.0, 107.0)] == [None, None, "out"]
    assert (line.ins, line.outs) == (1, 1)


def test_line_hysteresis_counts_a_person_dithering_on_the_line_once() -> None:
    line = vertical_line(hysteresis_px=6.0)
    path = [130.0, 104.0, 97.0, 103.0, 96.0, 92.0, 97.0, 103.0, 98.0, 90.0, 80.0]
    results = [line.update(7, (x, 50.0)) for x in path]
    assert results.count("in") == 1
    assert results.count("out") == 0
    assert results.index("in") == path.index(92.0)


def test_line_counts_a_walk_back_as_the_other_direction() -> None:
    line = vertical_line()
    results = [line.update(3, (x, 50.0)) for x in (130.0, 80.0, 130.0, 80.0)]
    assert results == [None, "in", "out", "in"]
    assert (line.ins, line.outs) == (2, 1)


def test_line_ignores_passing_beside_the_segment() -> None:
    line = vertical_line()
    assert [line.update(4, (x, 150.0)) for x in (130.0, 80.0)] == [None, None]
    assert (line.ins, line.outs) == (0, 0)


def test_line_does_not_count_a_track_first_seen_on_the_line() -> None:
    line = vertical_line(hysteresis_px=6.0)
    assert [line.update(5, (x, 50.0)) for x in (102.0, 90.0, 130.0)] == [None, None, "out"]


def test_line_forgets_an_ended_track() -> None:
    line = vertical_line()
    line.update(6, (130.0, 50.0))
    line.forget(6)
    # The same id seen again starts afresh: its first position is no crossing.
    assert line.update(6, (80.0, 50.0)) is None


SQUARE = [(0, 0), (100, 0), (100, 100), (0, 100)]


def person(x: int, y: int) -> tuple[int, int, int, int]:
    """A 20x40 person box whose feet stand at (x, y)."""
    return (x - 10, y - 40, 20, 40)


def test_intrusion_reports_each_track_once_per_zone() -> None:
    zone = ZoneWatch(ZoneSettings(name="yard", points=SQUARE, intrusion=True), CST)
    first = zone.update(at(12), [(1, person(150, 50)), (2, person(50, 50))])
    assert [tid for tid, _ in first.intruders] == [2]
    again = zone.update(at(12), [(1, person(50, 60)), (2, person(60, 50))])
    assert [tid for tid, _ in again.intruders] == [1]
    assert zone.update(at(12), [(1, person(50, 60))]).intruders == ()
    zone.forget(1)
    assert [tid for tid, _ in zone.update(at(12), [(1, person(50, 60))]).intruders] == [1]


def test_intrusion_only_during_active_hours() -> None:
    settings = ZoneSettings(name="yard", points=SQUARE, intrusion=True, active_hours="18:00-07:00")
    zone = ZoneWatch(settings, CST)
    assert zone.update(at(12), [(1, person(50, 50))]).intruders == ()
    # Someone already inside when the hours begin is reported then.
    assert [tid for tid, _ in zone.update(at(18), [(1, person(50, 50))]).intruders] == [1]


def test_crowd_fires_once_per_episode_and_rearms_below_the_threshold() -> None:
    zone = ZoneWatch(ZoneSettings(name="hall", points=SQUARE, crowd_threshold=2), CST)

    def crowd(count: int) -> int | None:
        people = [(i, person(10 + 10 * i, 50)) for i in range(count)]
        found = zone.update(at(12), people).crowd
        return None if found is None else len(found)

    assert [crowd(n) for n in (1, 2, 3, 4, 2, 3, 1, 3)] == [
        None,
        None,
        3,
        None,
        None,
        None,
        None,
        3,
    ]


def test_crowd_ignores_persons_outside_the_zone() -> None:
    zone = ZoneWatch(ZoneSettings(name="hall", points=SQUARE, crowd_threshold=1), CST)
    outside = [(i, person(200 + 10 * i, 50)) for i in range(5)]
    assert zone.update(at(12), outside).crowd is None


def test_settings_reject_bad_hours_duplicate_names_and_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        ZoneSettings(name="z", points=SQUARE, active_hours="18-07")
    with pytest.raises(ValidationError):
        LineSettings(name="l", a=(0, 0), b=(0, 0))
    with pytest.raises(ValidationError):
        AnalyticsSettings.model_validate(
            {
                "lines": [{"name": "gate", "a": [0, 0], "b": [0, 9]}],
                "zones": [{"name": "gate", "points": SQUARE}],
            }
        )
    with pytest.raises(ValidationError):
        AnalyticsSettings.model_validate({"motion": {"sensitivity": 3}})


def test_every_settings_field_is_described() -> None:
    def fields(model: type[BaseModel]) -> list[tuple[str, object]]:
        found = []
        for name, info in model.model_fields.items():
            found.append((f"{model.__name__}.{name}", info.description))
            annotation = info.annotation
            nested = getattr(annotation, "__args__", (annotation,))
            for kind in nested:
                if isinstance(kind, type) and issubclass(kind, BaseModel):
                    found.extend(fields(kind))
        return found

    every = fields(AnalyticsSettings)
    assert len(every) > 40  # the walk reached the nested sections
    assert [name for name, description in every if not description] == []
