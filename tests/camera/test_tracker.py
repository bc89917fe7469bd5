"""The person tracker on plain boxes: stable ids, carried boxes, misses and expiry."""

from __future__ import annotations

from edge_agent.camera.observations import Box
from edge_agent.camera.tracker import Tracker, TrackView


def walker(x: int, y: int = 100) -> Box:
    """A 20x50 person box at (x, y)."""
    return (x, y, 20, 50)


def ids(views: list[TrackView]) -> list[int]:
    """Track ids, in order."""
    return [view.id for view in views]


def test_a_walking_person_keeps_one_id() -> None:
    tracker = Tracker()
    for step in range(10):
        tracker.update(0.2 * step, [(walker(100 + 6 * step), 0.9)])
    views = tracker.tracks(1.8)
    assert ids(views) == [1]
    assert views[0].confirmed and views[0].fresh


def test_two_people_keep_their_ids_when_listed_in_either_order() -> None:
    tracker = Tracker()
    for step in range(6):
        left, right = (walker(50 + 5 * step), 0.9), (walker(300 - 5 * step), 0.8)
        tracker.update(0.2 * step, [left, right] if step % 2 == 0 else [right, left])
        by_id = {view.id: view.box[0] for view in tracker.tracks(0.2 * step)}
        assert by_id == {1: 50 + 5 * step, 2: 300 - 5 * step}


def test_a_track_is_confirmed_after_min_hits_and_fresh_only_when_detected() -> None:
    tracker = Tracker(min_hits=3)
    tracker.update(0.0, [(walker(100), 0.9)])
    tracker.update(0.2, [(walker(104), 0.9)])
    assert not tracker.tracks(0.2)[0].confirmed
    tracker.update(0.4, [(walker(108), 0.9)])
    assert tracker.tracks(0.4)[0].confirmed
    assert tracker.tracks(0.4)[0].fresh
    assert not tracker.tracks(0.5)[0].fresh


def test_boxes_are_carried_forward_at_the_measured_velocity() -> None:
    tracker = Tracker()
    for step in range(6):  # 10 px per 0.2 s = 50 px/s to the right
        tracker.update(0.2 * step, [(walker(100 + 10 * step), 0.9)])
    carried = tracker.tracks(1.2)[0].box
    assert 155 <= carried[0] <= 160
    assert carried[1] == 100


def test_a_track_survives_missed_runs_and_is_picked_up_again() -> None:
    tracker = Tracker(max_misses=3)
    for step in range(5):
        tracker.update(0.2 * step, [(walker(100 + 8 * step), 0.9)])
    for step in range(5, 8):  # three runs find nobody
        assert tracker.update(0.2 * step, []) == []
    tracker.update(1.6, [(walker(100 + 8 * 8), 0.9)])
    assert ids(tracker.tracks(1.6)) == [1]


def test_a_track_ends_after_too_many_misses_and_ids_are_not_reused() -> None:
    tracker = Tracker(max_misses=2)
    tracker.update(0.0, [(walker(100), 0.9)])
    tracker.update(0.2, [(walker(100), 0.9)])
    assert tracker.update(0.4, []) == []
    assert tracker.update(0.6, []) == []
    assert tracker.update(0.8, []) == [1]
    tracker.update(1.0, [(walker(100), 0.9)])
    assert ids(tracker.tracks(1.0)) == [2]


def test_a_track_unseen_too_long_expires_without_detector_runs() -> None:
    tracker = Tracker(max_age_s=2.0)
    tracker.update(0.0, [(walker(100), 0.9)])
    assert tracker.expire(1.9) == []
    assert tracker.expire(2.1) == [1]
    assert tracker.tracks(2.1) == []


def test_a_far_detection_starts_a_new_track() -> None:
    tracker = Tracker(max_jump=0.6)
    tracker.update(0.0, [(walker(100), 0.9)])
    tracker.update(0.2, [(walker(100 + 60), 0.9)])  # over a box height away
    assert ids(tracker.tracks(0.2)) == [1, 2]


def test_the_best_overlapping_detection_wins() -> None:
    tracker = Tracker()
    tracker.update(0.0, [(walker(100), 0.9)])
    tracker.update(0.2, [(walker(118), 0.7), (walker(102), 0.8)])
    views = {view.id: view for view in tracker.tracks(0.2)}
    assert views[1].box[0] == 102
    assert views[1].score == 0.8
    assert views[2].box[0] == 118 and not views[2].confirmed
