"""FrameSource: every frame of a file with deterministic times, reconnects with backoff."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Generator

import numpy as np
import pytest

from edge_agent.camera.capture import (
    CaptureState,
    Frame,
    FrameSource,
    VideoStream,
    describe_url,
)
from tests.camera.recording import CONCOURSE, PEDESTRIANS, footage


class FakeStream:
    """A stream of tiny frames whose pixels say which stream and frame they are."""

    def __init__(self, tag: int, frames: int | None, *, fps: float = 10.0, block_s: float = 0):
        self.tag, self.left, self._fps, self.block_s = tag, frames, fps, block_s
        self.count = 0
        self.released = False

    def read(self) -> tuple[bool, np.ndarray | None]:
        """The next frame, or a failure once `frames` are spent (then blocking if asked)."""
        if self.left is not None and self.count >= self.left:
            time.sleep(self.block_s)
            return False, None
        self.count += 1
        time.sleep(0.001)  # a camera delivers at some pace; the test must not spin
        return True, np.full((4, 4, 3), (self.tag, self.count % 256, 0), np.uint8)

    def fps(self) -> float | None:
        """The nominal rate."""
        return self._fps

    def release(self) -> None:
        """Mark released."""
        self.released = True


class ScriptedOpener:
    """Opens what its script says: an exception to raise, or a stream to return."""

    def __init__(self, source: list[FrameSource], script: list[Exception | FakeStream]):
        self.source = source  # filled in after the FrameSource is built
        self.script = iter(script)
        self.states: list[CaptureState] = []  # the state at each attempt to open

    def __call__(self, url: str | int) -> VideoStream:
        self.states.append(self.source[0].state())
        step = next(self.script)
        if isinstance(step, Exception):
            raise step
        return step


class RecordedWaits:
    """The backoff waits asked for; returns at once (stop's state) so tests run fast."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, stop: threading.Event, seconds: float) -> bool:
        if seconds > 0:
            self.delays.append(seconds)
        return stop.is_set()


def test_file_asap_gives_every_frame_stamped_from_its_index() -> None:
    source = FrameSource(str(footage(PEDESTRIANS)), pace="asap", start_ts=1_000.0)
    frames = list(source.frames(threading.Event()))
    assert len(frames) == 795
    assert [f.index for f in frames] == list(range(795))
    assert all(f.ts == pytest.approx(1_000.0 + i / 10.0) for i, f in enumerate(frames))
    assert frames[0].image.shape == (360, 480, 3)
    state = source.state()
    assert state.finished and state.frames_read == 795
    assert state.dropped == 0 and state.reconnects == 0 and state.last_error is None


def test_looped_file_keeps_counting_time_and_is_no_reconnect() -> None:
    source = FrameSource(str(footage(PEDESTRIANS)), pace="asap", loop=True, start_ts=0.0)
    frames = list(itertools.islice(source.frames(threading.Event()), 900))
    assert frames[-1].index == 899
    assert frames[-1].ts == pytest.approx(89.9)
    # The 796th frame is the first one again: the file was rewound.
    assert np.array_equal(frames[795].image, frames[0].image)
    state = source.state()
    assert state.online and state.reconnects == 0 and state.open_failures == 0
    assert not state.finished


def test_lost_camera_is_reopened_with_exponential_backoff() -> None:
    holder: list[FrameSource] = []
    first, second = FakeStream(1, 5), FakeStream(2, None)
    refused = ConnectionRefusedError("connection refused")
    opener = ScriptedOpener(holder, [refused, refused, refused, refused, first, refused, second])
    waits = RecordedWaits()
    source = FrameSource(
        "rtsp://cam-1/stream",
        reconnect_min_s=1.0,
        reconnect_max_s=3.0,
        stall_s=5.0,
        opener=opener,
        wait=waits,
    )
    holder.append(source)
    stop = threading.Event()
    tags = []
    for frame in source.frames(stop):
        tags.append(int(frame.image[0, 0, 0]))
        if tags.count(2) == 3:
            break
    # Four failed opens double the wait up to the cap; after frames flowed the next loss
    # starts again from the minimum.
    assert waits.delays == [1.0, 2.0, 3.0, 3.0, 1.0, 2.0]
    assert [s.online for s in opener.states] == [False] * 7
    assert opener.states[5].last_error == "read failed"
    assert opener.states[5].reconnects == 0
    state = source.state()
    assert state.online and state.reconnects == 1 and state.open_failures == 5
    assert first.released
    # Newest-frame hand-over may skip some of the first stream, never reorder streams.
    assert tags == sorted(tags) and tags[-3:] == [2, 2, 2]


def test_stalled_camera_goes_offline_and_is_reopened() -> None:
    holder: list[FrameSource] = []
    stuck = FakeStream(1, 3, block_s=0.6)  # three frames, then a read that hangs
    opener = ScriptedOpener(holder, [stuck, FakeStream(2, None)])
    source = FrameSource("rtsp://cam-2/stream", stall_s=0.2, opener=opener, wait=RecordedWaits())
    holder.append(source)
    tags = []
    for frame in source.frames(threading.Event()):
        tags.append(int(frame.image[0, 0, 0]))
        if tags[-1] == 2:
            break
    assert len(opener.states) == 2  # the late failure of the stuck read closed nothing else
    assert not opener.states[1].online
    assert opener.states[1].last_error == "no frame for 0.2 s"
    assert source.state().online and source.state().reconnects == 1
    assert stuck.released


class BrokenStream(FakeStream):
    """Two frames, then the decoder raises."""

    def read(self) -> tuple[bool, np.ndarray | None]:
        """Raise after two frames."""
        if self.count >= 2:
            raise RuntimeError("corrupt NAL unit")
        return super().read()


def test_a_decoder_error_is_a_lost_stream_not_a_crash() -> None:
    holder: list[FrameSource] = []
    opener = ScriptedOpener(holder, [BrokenStream(1, None), FakeStream(2, None)])
    source = FrameSource("rtsp://cam-3/stream", opener=opener, wait=RecordedWaits())
    holder.append(source)
    tags = []
    for frame in source.frames(threading.Event()):
        tags.append(int(frame.image[0, 0, 0]))
        if tags[-1] == 2:
            break
    assert opener.states[1].last_error == "read failed"
    assert source.state().reconnects == 1


def test_missing_file_is_reported_offline_and_retried_without_crashing() -> None:
    source = FrameSource(
        "/nonexistent/gate-cam.avi", pace="asap", reconnect_min_s=0.01, reconnect_max_s=0.05
    )
    stop = threading.Event()
    errors: list[BaseException] = []

    def consume() -> None:
        try:
            for _ in source.frames(stop):
                pass
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=consume)
    thread.start()
    deadline = time.monotonic() + 5
    while source.state().open_failures < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(timeout=2)
    assert not thread.is_alive() and not errors
    state = source.state()
    assert not state.online and state.open_failures >= 3
    assert state.last_error == "no such video file: /nonexistent/gate-cam.avi"


def test_realtime_file_hands_a_slow_analyser_the_newest_frame() -> None:
    source = FrameSource(str(footage(CONCOURSE)), pace="realtime")  # 50 fps
    taken: list[int] = []
    before = time.time()
    frames: Generator[Frame, None, None] = source.frames(threading.Event())
    for frame in frames:
        taken.append(frame.index)
        assert before - 1 <= frame.ts <= time.time() + 1  # wall clock, not file time
        time.sleep(0.1)  # an analyser at 10 fps
        if len(taken) == 8:
            break
    frames.close()
    gaps = [b - a for a, b in itertools.pairwise(taken)]
    assert min(gaps) >= 1 and max(gaps) > 1
    assert source.state().dropped >= 8


def test_credentials_stay_out_of_descriptions() -> None:
    assert describe_url("rtsp://admin:s3cret@10.0.0.5:554/ch1") == "rtsp://***@10.0.0.5:554/ch1"
    assert describe_url(0) == "device 0"
