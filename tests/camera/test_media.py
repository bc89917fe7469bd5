"""Media: the frame ring's bounds, snapshots with boxes, clips that read back intact."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge_agent.camera.media import (
    CLIP_CONTENT_TYPE,
    FrameRing,
    StoredFrame,
    decode_jpeg,
    snapshot_jpeg,
    write_clip,
)
from tests.camera.recording import PEDESTRIANS, footage


def noise(height: int = 360, width: int = 480, seed: int = 0) -> np.ndarray:
    """A frame JPEG cannot compress much."""
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def pedestrian_frames(count: int) -> list[np.ndarray]:
    """The first `count` frames of the real pedestrian footage (10 fps)."""
    capture = cv2.VideoCapture(str(footage(PEDESTRIANS)))
    frames: list[np.ndarray] = []
    while len(frames) < count:
        ok, frame = capture.read()
        assert ok, "the footage ended early"
        frames.append(frame)
    capture.release()
    return frames


def test_ring_forgets_frames_older_than_its_window() -> None:
    ring = FrameRing(max_seconds=2.0, max_bytes=64 * 1024 * 1024, fps=10)
    image = noise(60, 80)
    for i in range(50):
        assert ring.append(100 + i / 10, image)
    kept = ring.between(0, 1e12)
    assert kept[-1].ts == pytest.approx(104.9)
    assert kept[0].ts >= 104.9 - 2.0 - 1e-9
    assert 20 <= len(ring) <= 21


def test_ring_stays_within_its_memory_budget() -> None:
    budget = 200 * 1024
    ring = FrameRing(max_seconds=60, max_bytes=budget, fps=10, quality=90)
    for i in range(40):
        ring.append(float(i), noise(seed=i))
        assert ring.nbytes <= budget
    assert ring.nbytes == sum(len(f.jpeg) for f in ring.between(0, 100))
    assert 1 <= len(ring) < 40  # the oldest went first
    assert ring.between(0, 100)[-1].ts == 39.0


def test_ring_keeps_no_more_than_its_rate_and_width() -> None:
    ring = FrameRing(max_seconds=10, max_bytes=64 * 1024 * 1024, fps=10, width=640)
    big = noise(720, 1280)
    stored = [ring.append(i / 50, big) for i in range(50)]  # one second of a 50 fps camera
    assert sum(stored) == 10
    assert decode_jpeg(ring.between(0, 1)[0].jpeg).shape == (360, 640, 3)


def test_clip_reads_back_with_the_frames_around_the_event(tmp_path: Path) -> None:
    ring = FrameRing(max_seconds=11, max_bytes=32 * 1024 * 1024, fps=10)
    for i, frame in enumerate(pedestrian_frames(100)):
        ring.append(1_000 + i / 10, frame)
    event_ts, pre_s, post_s = 1_005.0, 3.0, 3.0
    clip = write_clip(ring.between(event_ts - pre_s, event_ts + post_s), fps=10)

    assert clip.content_type == CLIP_CONTENT_TYPE == "video/mp4"
    assert clip.sha256 == hashlib.sha256(clip.data).hexdigest()
    path = tmp_path / "clip.mp4"
    path.write_bytes(clip.data)
    capture = cv2.VideoCapture(str(path))
    assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(10, abs=0.1)
    shapes = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        shapes.append(frame.shape)
    capture.release()
    assert abs(len(shapes) - (pre_s + post_s) * 10) <= 1
    assert len(shapes) == clip.frames
    assert set(shapes) == {(360, 480, 3)}


def test_clip_plays_frames_at_the_pace_they_were_taken(tmp_path: Path) -> None:
    # An analyser that kept up with only 4 frames a second: the clip must not play fast.
    jpeg = cv2.imencode(".jpg", noise(64, 64))[1].tobytes()
    frames = [StoredFrame(t / 4, jpeg) for t in range(9)]
    clip = write_clip(frames, fps=10)
    assert clip.fps == pytest.approx(4.0)
    assert clip.frames == 9


def test_clip_needs_frames() -> None:
    with pytest.raises(ValueError, match="at least one frame"):
        write_clip([], fps=10)


def test_snapshot_draws_boxes_on_a_copy() -> None:
    frame = np.full((120, 160, 3), 128, np.uint8)
    data = snapshot_jpeg(frame, [(20, 30, 40, 50)], ["person"], quality=95)
    image = decode_jpeg(data)
    assert data[:3] == b"\xff\xd8\xff"
    assert image.shape == frame.shape
    assert (frame == 128).all()  # the analysed frame is left alone
    edge = image[30, 40].astype(int)  # on the box's top edge
    inside = image[55, 40].astype(int)
    assert np.abs(edge - 128).sum() > 100
    assert np.abs(inside - 128).sum() < 20


def test_ring_between_is_inclusive_and_ordered() -> None:
    ring = FrameRing(max_seconds=100, max_bytes=8 * 1024 * 1024, fps=10)
    for i in range(30):
        ring.append(i / 10, noise(8, 8, seed=i))
    picked = [f.ts for f in ring.between(1.0, 2.0)]
    assert picked == [pytest.approx(x / 10) for x in range(10, 21)]
    assert all(a < b for a, b in itertools.pairwise(picked))
