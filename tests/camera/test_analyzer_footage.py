"""The analyser on real footage: motion, persons, a counting line, zones and tamper.

The clips are shared, not copied into the repository:
`/work/shared/data/video/pedestrians_outdoor_480x360.avi` (795 frames, 10 fps, 480x360,
people walking along a path across a lawn, seen from above). Each frame is stamped
START + index / 10 s, START being 12:00 on 5 March 2024 at the site (UTC+8).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from edge_agent.camera.analyzer import FrameAnalyzer
from edge_agent.camera.geometry import centre, feet, inside_polygon
from edge_agent.camera.observations import FrameResult, Observation
from edge_agent.camera.settings import (
    AnalyticsSettings,
    LineSettings,
    PersonSettings,
    TamperSettings,
    ZoneSettings,
)
from edge_agent.camera.vision import draw_boxes
from tests.support.footage import VIDEO_DIR

VIDEO = VIDEO_DIR
PEDESTRIANS = VIDEO / "pedestrians_outdoor_480x360.avi"
FPS = 10.0
SITE_TZ = timezone(timedelta(hours=8))
START = datetime(2024, 3, 5, 12, 0, tzinfo=SITE_TZ).timestamp()

# A line across the path near its left end, drawn from the lawn edge (a) up to the tape (b).
# Looking from a to b (up the screen), left is the screen's left: walking leftwards is "in".
WEST_PATH = LineSettings(name="west_path", a=(135, 205), b=(135, 95), in_side="left")
# The lawn below the path's left half; its bottom edge lies past the frame so that feet of
# a box cut by the frame's bottom edge are still inside.
LAWN = [(0, 200), (200, 245), (240, 265), (240, 370), (0, 370)]
SETTINGS = AnalyticsSettings(
    # Persons here are 40-60 px tall; the default (64 px) would miss the far ones.
    person=PersonSettings(min_height_px=40),
    lines=[WEST_PATH],
    zones=[
        ZoneSettings(name="lawn", points=LAWN, intrusion=True, active_hours="11:00-13:00"),
        ZoneSettings(name="lawn_at_night", points=LAWN, intrusion=True, active_hours="18:00-07:00"),
        ZoneSettings(name="lawn_crowd", points=LAWN, crowd_threshold=1),
    ],
)


def clip_frames(path: Path, limit: int | None = None) -> Iterator[NDArray[np.uint8]]:
    """The clip's frames, decoded; fails (not skips) the test when the footage is missing."""
    if not path.is_file():
        pytest.fail(f"footage missing: {path} (shared test data, expected next to the repo)")
    capture = cv2.VideoCapture(str(path))
    try:
        count = 0
        while limit is None or count < limit:
            ok, frame = capture.read()
            if not ok:
                break
            count += 1
            yield np.asarray(frame, dtype=np.uint8)
    finally:
        capture.release()


@dataclass
class ClipRun:
    """Everything the analyser said about the clip, frame by frame."""

    results: list[FrameResult]
    line_counts: dict[str, tuple[int, int]]
    shape: tuple[int, ...]

    def observations(self, type_: str, zone: str | None = None) -> list[tuple[int, Observation]]:
        """(frame index, observation) of one type (and zone), in order."""
        return [
            (index, o)
            for index, result in enumerate(self.results)
            for o in result.observations
            if o.type == type_ and (zone is None or o.zone == zone)
        ]


@pytest.fixture(scope="module")
def clip() -> ClipRun:
    """The whole pedestrian clip through one analyser, once for this module."""
    analyzer = FrameAnalyzer(SETTINGS, tz=SITE_TZ)
    results, shape = [], ()
    for index, frame in enumerate(clip_frames(PEDESTRIANS)):
        shape = frame.shape
        results.append(analyzer.process(frame, START + index / FPS))
    return ClipRun(results, analyzer.line_counts(), shape)


def test_the_footage_is_the_expected_clip(clip: ClipRun) -> None:
    assert len(clip.results) == 795
    assert clip.shape == (360, 480, 3)


def test_motion_is_reported_when_it_starts_then_at_the_interval(clip: ClipRun) -> None:
    # People walk through every frame: motion from the second frame on (the first one
    # only seeds the background), never pausing long enough to end.
    motion = clip.observations("motion")
    assert motion[0][0] == 1
    gaps = [b[0] - a[0] for a, b in pairwise(motion)]
    interval = round(SETTINGS.motion_event_interval_s * FPS)
    assert len(motion) == 8  # frames 1, 101, ..., 701 of 795
    assert all(interval <= gap <= interval + 1 for gap in gaps)
    assert all(o.boxes and o.severity == "low" and o.count == len(o.boxes) for _, o in motion)
    with_motion = sum(bool(result.motion_boxes) for result in clip.results[1:])
    assert with_motion / (len(clip.results) - 1) > 0.95


# Where one person was alone in a region, established by looking at the frames (zoomed,
# every 5th, with a 20-px grid): (first frame, last frame, x range, y range of the centre).
ANCHORS = [
    # A man in a dark jacket and jeans stands on the path left of the lamp post.
    (400, 450, (160, 205), (130, 180)),
    # A woman in a red jacket walks left along the path's upper edge.
    (510, 545, (95, 170), (115, 165)),
]


@pytest.mark.parametrize(("first", "last", "xs", "ys"), ANCHORS)
def test_persons_are_found_where_the_frames_show_them(
    clip: ClipRun, first: int, last: int, xs: tuple[int, int], ys: tuple[int, int]
) -> None:
    def seen(result: FrameResult) -> bool:
        return any(
            xs[0] <= cx <= xs[1] and ys[0] <= cy <= ys[1] for cx, cy in map(centre, result.persons)
        )

    frames = clip.results[first : last + 1]
    assert sum(map(seen, frames)) / len(frames) >= 0.9


def test_persons_are_found_throughout(clip: ClipRun) -> None:
    # Several people are in view in every frame of this clip (contact sheets of every
    # 10th frame); the detector needs a few frames to confirm its first tracks.
    with_persons = sum(bool(result.persons) for result in clip.results[10:])
    assert with_persons / (len(clip.results) - 10) > 0.95
    detected = sum(result.detected for result in clip.results)
    assert detected == pytest.approx(len(clip.results) / 2, abs=5)  # max_hz 5 on 10 fps
    person = clip.observations("person")
    assert person and all(o.severity == "normal" for _, o in person)
    assert all(o.count == len(o.boxes) for _, o in person)
    frames = [index for index, _ in person]
    spacing = round(SETTINGS.person.event_interval_s * FPS)
    assert all(b - a >= spacing for a, b in pairwise(frames))


# Crossings of WEST_PATH counted by hand (see the test's docstring); the frame is the one
# where the feet are on the line, read on 2.5x crops around x = 135, every 2nd frame.
HAND_CROSSINGS = [
    (180, "in"),  # woman in a light-blue hooded coat, walking left at the tape
    (204, "in"),  # man in black, walking left
    (248, "in"),  # man in a dark jacket and jeans (bald), walking left to x~80 ...
    (304, "out"),  # ... and back right, passing the next one
    (305, "in"),  # man in black walking left, hidden behind the previous one at the line,
    (321, "out"),  # turning at x~122 and walking back right
    (526, "in"),  # woman in a red jacket, walking left and out of the picture
    (596, "in"),  # man in a dark jacket and jeans, walking left to x~77 ...
    (646, "out"),  # woman in a red jacket coming back in from the left, walking right
    (667, "out"),  # ... the same man walking back right
    (673, "in"),  # man in black, walking left to x~103 ...
    (704, "out"),  # ... and back right
    (710, "in"),  # man in a blue jacket walking left along the path's lower edge
    (754, "out"),  # blonde woman in a black coat, off the lawn onto the path, walking right
]


def test_line_crossings_match_the_hand_count(clip: ClipRun) -> None:
    """8 in and 6 out across WEST_PATH, as counted by hand.

    How the count was made: contact sheets of every 5th frame (crop x 20-240, y 80-260,
    line drawn) showed every passage near the line; each was then followed on zoomed crops
    (every 2nd-4th frame, 2x-5x, 20-px grid), reading the feet against the line, and the
    frame of each crossing read on 2.5x crops every 2nd frame. Near-misses that are not
    crossings: a man turning back at x~122 to x~125 around frame 312 (he crosses at
    306 and 321 only), men turning at x~166-170 (frames 80, 315) and x~154 (frame 752),
    a man stopping at x~143 in the last frames (788-794), and the blonde woman's first
    passage at x 135 on the lawn around frame 678, at y~245, below the segment's end.
    """
    assert clip.line_counts == {"west_path": (8, 6)}
    crossings = clip.observations("line_crossing")
    assert len(crossings) == len(HAND_CROSSINGS)
    unmatched = list(HAND_CROSSINGS)
    for index, o in crossings:
        direction = "in" if o.in_ == 1 else "out"
        assert (o.in_, o.out) in ((1, 0), (0, 1))
        assert o.zone == "west_path" and o.severity == "normal" and len(o.boxes) == 1
        # Counted once the feet are hysteresis_px past the line, on a detector run (5 Hz).
        near = [c for c in unmatched if c[1] == direction and 0 <= index - c[0] <= 8]
        assert near, f"crossing {direction} at frame {index} has no hand-counted match"
        unmatched.remove(near[0])
    assert unmatched == []


def test_intrusion_on_the_lawn_during_its_hours_only(clip: ClipRun) -> None:
    """Two people walk on the lawn: a man in a red jacket (frames ~530-590) and a blonde
    woman in a black coat (frames ~530-715), both coming up from below the picture.
    Established from crops of x 0-320, y 120-360 with the polygon drawn, every 10th frame.
    """
    intrusions = clip.observations("intrusion", "lawn")
    assert len(intrusions) == 2
    for index, o in intrusions:
        assert 525 <= index <= 600
        assert o.severity == "high" and o.count == 1
        assert inside_polygon(feet(o.boxes[0]), LAWN)
    # The same lawn watched only at night (18:00-07:00) says nothing at noon.
    assert clip.observations("intrusion", "lawn_at_night") == []


def test_crowd_on_the_lawn_is_reported_once(clip: ClipRun) -> None:
    # More than one person on the lawn only while both walk there (frames ~530-590); the
    # count then falls to one, not below the threshold, so no second episode.
    crowds = clip.observations("crowd")
    assert len(crowds) == 1
    index, o = crowds[0]
    assert 528 <= index <= 590
    assert (o.zone, o.count, len(o.boxes), o.severity) == ("lawn_crowd", 2, 2, "high")


def test_no_tamper_on_the_normal_footage(clip: ClipRun) -> None:
    assert clip.observations("tamper") == []


TAMPER = AnalyticsSettings(
    person=PersonSettings(enabled=False),
    tamper=TamperSettings(duration_s=3.0, recover_s=2.0, learn_s=2.0),
)


@pytest.fixture(scope="module")
def opening() -> list[NDArray[np.uint8]]:
    """The clip's first 15 seconds."""
    return list(clip_frames(PEDESTRIANS, 150))


def covered(frame: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """A lens covered by something: flat grey with a little sensor noise."""
    noise = np.random.default_rng(7).integers(0, 4, frame.shape, dtype=np.uint8)
    return np.full_like(frame, 110) + noise


def shifted(frame: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The camera knocked aside: the view moved 60 px right and 40 px down."""
    move = np.array([[1.0, 0.0, 60.0], [0.0, 1.0, 40.0]], dtype=np.float32)
    return np.asarray(
        cv2.warpAffine(
            frame, move, (frame.shape[1], frame.shape[0]), borderMode=cv2.BORDER_REFLECT
        ),
        dtype=np.uint8,
    )


VARIANTS = {
    "black": lambda frame: frame * np.uint8(0),
    "covered": covered,
    "blurred": lambda frame: np.asarray(cv2.GaussianBlur(frame, (31, 31), 0), dtype=np.uint8),
    "moved": shifted,
}


def tampered_run(
    frames: list[NDArray[np.uint8]], spans: list[tuple[str | None, int]]
) -> list[tuple[float, Observation]]:
    """Tamper observations (time since start, observation) over spans of (variant, frames)."""
    analyzer = FrameAnalyzer(TAMPER, tz=SITE_TZ)
    found, index = [], 0
    for variant, count in spans:
        change = VARIANTS[variant] if variant else None
        for _ in range(count):
            frame = frames[index % len(frames)]
            result = analyzer.process(change(frame) if change else frame, START + index / FPS)
            found += [(index / FPS, o) for o in result.observations if o.type == "tamper"]
            index += 1
    return found


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_tamper_is_reported_once_after_the_duration(
    opening: list[NDArray[np.uint8]], variant: str
) -> None:
    # 6 s of the clip as it is, then 8 s of it tampered with.
    found = tampered_run(opening, [(None, 60), (variant, 80)])
    assert [o.detail for _, o in found] == [variant]
    seconds, o = found[0]
    assert seconds - 6.0 == pytest.approx(TAMPER.tamper.duration_s, abs=1.01 / FPS)
    assert o.severity == "high" and o.boxes == ()


def test_tamper_rearms_after_the_view_recovers(opening: list[NDArray[np.uint8]]) -> None:
    found = tampered_run(opening, [(None, 40), ("black", 50), (None, 30), ("black", 50)])
    assert [(round(s, 1), o.detail) for s, o in found] == [(7.0, "black"), (15.0, "black")]


def test_a_camera_moved_for_good_alarms_once_and_then_watches_the_new_view(
    opening: list[NDArray[np.uint8]],
) -> None:
    # After the report the new view becomes the reference: no repeats while it stays,
    # and blacking it out later is a new episode.
    found = tampered_run(opening, [(None, 40), ("moved", 80), ("black", 40)])
    assert [(round(s, 1), o.detail) for s, o in found] == [(7.0, "moved"), (15.0, "black")]


def test_draw_boxes_marks_a_copy(opening: list[NDArray[np.uint8]]) -> None:
    frame = opening[0]
    before = frame.copy()
    drawn = draw_boxes(frame, [(100, 100, 40, 80)], ["person 0.93"])
    assert np.array_equal(frame, before)
    assert drawn.shape == frame.shape
    assert tuple(drawn[100, 120]) == (0, 0, 255)  # red top edge
    assert not np.array_equal(drawn[60:100, 100:200], frame[60:100, 100:200])  # the label


# Synthetic frames, for what the clip cannot show: a white block sliding over grey.
QUIET = AnalyticsSettings(person=PersonSettings(enabled=False), motion_event_interval_s=10.0)


def block_frame(x: int) -> NDArray[np.uint8]:
    """A 320x240 grey frame with a 20x40 white block at (x, 100)."""
    frame = np.full((240, 320, 3), 90, dtype=np.uint8)
    frame[100:140, x : x + 20] = 255
    return frame


def motion_frames(analyzer: FrameAnalyzer, start: float, positions: list[int]) -> list[int]:
    """Indices (within `positions`) of the frames that reported motion."""
    return [
        index
        for index, x in enumerate(positions)
        for o in analyzer.process(block_frame(x), start + index / FPS).observations
        if o.type == "motion"
    ]


def test_motion_ends_after_a_still_spell_and_is_reported_again_when_it_resumes() -> None:
    analyzer = FrameAnalyzer(QUIET)
    moving = [10 + 4 * i for i in range(20)]
    # The block stops: within ~4 s the background has taken it in, 2 s later motion is over.
    still = [moving[-1]] * 80
    again = [moving[-1] + 4 * i for i in range(1, 11)]
    assert motion_frames(analyzer, START, moving + still + again) == [1, 100]


def test_a_clock_set_back_does_not_hold_reports_back() -> None:
    analyzer = FrameAnalyzer(QUIET)
    assert motion_frames(analyzer, START, [10 + 4 * i for i in range(20)]) == [1]
    # The clock is set back an hour while the block keeps moving: a new motion episode
    # is reported at once, not an hour later.
    later = [90 + 4 * i for i in range(10)]
    assert motion_frames(analyzer, START - 3600, later) == [0]
