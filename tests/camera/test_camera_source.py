"""CameraSource on real footage: valid camera events, media first, clips, priorities, health."""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import cv2
import orjson
import pytest

from edge_agent.bootstrap import build_sources
from edge_agent.camera.capture import CaptureState, Frame, FrameSource
from edge_agent.camera.media import decode_jpeg
from edge_agent.camera.qr_source import QrCameraSource
from edge_agent.camera.scaling import scale_analytics, scale_box
from edge_agent.camera.settings import AnalyticsSettings
from edge_agent.camera.source import CameraSource
from edge_agent.camera.source_settings import CameraSourceSettings
from edge_agent.outbox import envelope_bytes
from edge_agent.ports import Draft, Priority
from edge_agent.settings import SourceContext, SourceSettings
from sitewatch.protocol import MediaRef
from tests.camera.recording import (
    CONCOURSE,
    PEDESTRIANS,
    STAMP,
    MediaRecord,
    RecordingSink,
    footage,
)

CONTEXT = SourceContext("park-1", "gw-1", b"test-site-key-0123456789")
FRAMES = 250  # 25 s of the 10 fps pedestrian footage
T0 = 1_800_000_000.0  # the footage's first frame, by the asap clock
PRE_S = POST_S = 2.0
# The lower half of the view (the lawn and the path across it) is watched.
ANALYTICS: dict[str, Any] = {
    "person": {"max_hz": 2.5},  # the detector is the slow part; the pipeline is the subject
    "zones": [
        {
            "name": "lawn",
            "points": [[0, 150], [480, 150], [480, 360], [0, 360]],
            "intrusion": True,
            "crowd_threshold": 2,
        }
    ],
    "lines": [{"name": "path", "a": [240, 0], "b": [240, 360]}],
}


class FirstFrames:
    """The first `count` frames of a FrameSource (the footage is longer than a test)."""

    def __init__(self, capture: FrameSource, count: int) -> None:
        self.capture, self.count = capture, count

    def frames(self, stop: threading.Event) -> Iterator[Frame]:
        """The capture's frames, up to `count`."""
        frames = self.capture.frames(stop)
        yield from itertools.islice(frames, self.count)
        frames.close()

    def state(self) -> CaptureState:
        """The capture's state."""
        return self.capture.state()


def camera(video: Path, count: int, **settings: Any) -> CameraSource:
    """A CameraSource over the first `count` frames of `video`, read asap from time T0."""
    cfg = CameraSourceSettings.model_validate(
        {"camera": "lawn-cam", "url": str(video), "pace": "asap", **settings}
    )
    capture = FrameSource(str(video), pace="asap", start_ts=T0)
    return CameraSource(FirstFrames(capture, count), cfg)


@pytest.fixture(scope="module")
def lawn() -> tuple[CameraSource, RecordingSink]:
    """One run over 25 s of the pedestrian footage, shared by the tests that read it."""
    source = camera(
        footage(PEDESTRIANS),
        FRAMES,
        analytics=ANALYTICS,
        clip_pre_s=PRE_S,
        clip_post_s=POST_S,
    )
    sink = RecordingSink()
    source.run(sink, threading.Event())
    return source, sink


def position(sink: RecordingSink, item: Draft | MediaRecord) -> int:
    """Where `item` is in the order the sink received things."""
    return next(i for i, x in enumerate(sink.log) if x is item)


def media_of(sink: RecordingSink, ref: MediaRef) -> MediaRecord:
    """The media object a reference names."""
    return next(m for m in sink.media if m.ref.sha256 == ref.sha256)


def roles(draft: Draft) -> list[str]:
    """The roles of the media an event carries."""
    return sorted(m.role for m in draft.media)


def test_events_are_valid_camera_events(lawn: tuple[CameraSource, RecordingSink]) -> None:
    source, sink = lawn
    drafts = sink.drafts
    types = {d.fields["type"] for d in drafts}
    assert {"motion", "person", "intrusion", "line_crossing"} <= types
    for seq, draft in enumerate(drafts, start=1):
        event = orjson.loads(envelope_bytes(draft, seq, STAMP))  # validated as the hub will
        assert (event["kind"], event["device"]) == ("camera", "lawn-cam")
        assert None not in event.values()
        for x, y, w, h in event["boxes"]:
            assert x >= 0 and y >= 0 and x + w <= 480 and y + h <= 360
    counters = source.counters()
    assert counters["frames"] == FRAMES
    assert counters["events"] == len(drafts)
    assert counters.get("invalid", 0) == 0


def test_media_goes_out_before_the_event_that_names_it(
    lawn: tuple[CameraSource, RecordingSink],
) -> None:
    _, sink = lawn
    for draft in sink.drafts:
        for ref in draft.media:
            record = media_of(sink, ref)
            assert hashlib.sha256(record.data).hexdigest() == ref.sha256
            assert position(sink, record) < position(sink, draft)
        want = ["snapshot"] if draft.fields["type"] in ("person", "line_crossing") else []
        if draft.fields["type"] in ("intrusion", "crowd"):
            want = ["clip", "snapshot"]
        assert roles(draft) == want, draft.fields


def test_snapshots_are_jpegs_of_the_frame(lawn: tuple[CameraSource, RecordingSink]) -> None:
    _, sink = lawn
    snapshots = [m for m in sink.media if m.ref.role == "snapshot"]
    assert snapshots
    for record in snapshots:
        assert record.ref.content_type == "image/jpeg"
        assert decode_jpeg(record.data).shape == (360, 480, 3)


def test_clips_hold_the_seconds_around_their_event(
    lawn: tuple[CameraSource, RecordingSink], tmp_path: Path
) -> None:
    _, sink = lawn
    # Events close together share one clip, cut around the first of them.
    first_with: dict[str, Draft] = {}
    for draft in sink.drafts:
        for ref in draft.media:
            if ref.role == "clip":
                first_with.setdefault(ref.sha256, draft)
    assert first_with
    last_frame = T0 + (FRAMES - 1) / 10
    checked = 0
    for draft in first_with.values():
        ref = next(m for m in draft.media if m.role == "clip")
        assert ref.content_type == "video/mp4"
        path = tmp_path / f"{ref.sha256}.mp4"
        path.write_bytes(media_of(sink, ref).data)
        capture = cv2.VideoCapture(str(path))
        count = 0
        while capture.read()[0]:
            count += 1
        capture.release()
        assert count >= 1
        ts = draft.ts.timestamp()
        if ts - PRE_S >= T0 and ts + POST_S <= last_frame:  # not cut by the footage's ends
            assert abs(count - (PRE_S + POST_S) * 10) <= 1
            checked += 1
    assert checked >= 2


def test_priorities(lawn: tuple[CameraSource, RecordingSink]) -> None:
    _, sink = lawn
    assert all(d.priority is Priority.HIGH for d in sink.drafts if d.fields["type"] != "motion")
    # Media outlives the rest when disk runs short if any event it shows is high-severity.
    shown: dict[str, set[str]] = {}
    for draft in sink.drafts:
        for ref in draft.media:
            shown.setdefault(ref.sha256, set()).add(draft.fields["type"])
    assert set(shown) == {m.ref.sha256 for m in sink.media}
    for record in sink.media:
        high = shown[record.ref.sha256] & {"intrusion", "crowd", "tamper"}
        assert record.priority is (Priority.NORMAL if high else Priority.LOW)
    assert {m.priority for m in sink.media} == {Priority.NORMAL, Priority.LOW}


def test_health_figures(lawn: tuple[CameraSource, RecordingSink]) -> None:
    source, _ = lawn
    health = source.cameras()["lawn-cam"]
    assert health.fps > 0
    assert health.latency_ms is not None and health.latency_ms > 0
    assert health.dropped_frames == 0  # asap: every frame analysed


def test_motion_without_persons_is_low_priority() -> None:
    source = camera(
        footage(PEDESTRIANS),
        60,
        analytics={"person": {"enabled": False}, "motion_event_interval_s": 1.0},
    )
    sink = RecordingSink()
    source.run(sink, threading.Event())
    motion = [d for d in sink.drafts if d.fields["type"] == "motion"]
    assert len(motion) >= 3
    assert {d.priority for d in motion} == {Priority.LOW}
    assert all(d.media == () for d in motion)  # motion is not in snapshot_types


def test_full_outbox_is_counted_and_the_pipeline_goes_on() -> None:
    source = camera(footage(PEDESTRIANS), 80, analytics=ANALYTICS, clip_post_s=1.0)
    sink = RecordingSink(refuse=True)
    source.run(sink, threading.Event())  # must return normally, not raise
    counters = source.counters()
    assert counters["frames"] == 80
    assert counters["refused"] >= sink.refusals > 0
    assert counters.get("events", 0) == 0 and counters.get("media", 0) == 0


class StopOnAlarm(RecordingSink):
    """Sets `stop` when media of a high-severity observation arrives (an intrusion snapshot)."""

    def __init__(self, stop: threading.Event) -> None:
        super().__init__()
        self.stop = stop

    def emit_media(
        self,
        data: bytes,
        content_type: str,
        role: Literal["snapshot", "clip"],
        priority: Priority = Priority.NORMAL,
    ) -> MediaRef:
        """Record, and stop the source at the first alarm's snapshot."""
        ref = super().emit_media(data, content_type, role, priority)
        if role == "snapshot" and priority is Priority.NORMAL:
            self.stop.set()
        return ref


def test_stop_sends_events_waiting_for_clips_with_a_short_clip(tmp_path: Path) -> None:
    stop = threading.Event()
    source = camera(footage(PEDESTRIANS), FRAMES, analytics=ANALYTICS, clip_post_s=5.0)
    sink = StopOnAlarm(stop)
    source.run(sink, stop)
    alarms = [d for d in sink.drafts if d.fields["type"] in ("intrusion", "crowd")]
    assert alarms, "the intrusion seen before stop was lost"
    clip = media_of(sink, next(m for m in alarms[0].media if m.role == "clip"))
    path = tmp_path / "cut.mp4"
    path.write_bytes(clip.data)
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.read()[0]:
        count += 1
    capture.release()
    # Cut at stop: up to 5 s before the event and its own frame, nothing after it.
    before = min(alarms[0].ts.timestamp() - T0, 5.0)
    assert abs(count - (round(before * 10) + 1)) <= 1
    assert source.counters()["pending_clips"] == 0
    assert source.counters()["frames"] < FRAMES


def test_downscaled_analysis_reports_full_size_boxes() -> None:
    source = camera(
        footage(CONCOURSE),
        100,
        process_width=320,
        snapshot_types=["motion"],
        analytics={"person": {"enabled": False}, "motion_event_interval_s": 0.2},
    )
    sink = RecordingSink()
    source.run(sink, threading.Event())
    motion = [d for d in sink.drafts if d.fields["type"] == "motion"]
    assert motion
    boxes = [b for d in motion for b in d.fields["boxes"]]
    assert all(x + w <= 1280 and y + h <= 720 for x, y, w, h in boxes)
    assert max(x + w for x, _, w, _ in boxes) > 320  # scaled back, not left at 320 wide
    snapshot = media_of(sink, motion[0].media[0])
    assert decode_jpeg(snapshot.data).shape == (720, 1280, 3)  # the camera's own pixels


def test_pixel_settings_follow_the_scale() -> None:
    settings = AnalyticsSettings.model_validate(ANALYTICS | {"person": {"min_height_px": 64}})
    half = scale_analytics(settings, 0.5)
    assert half.lines[0].a == (120, 0) and half.lines[0].b == (120, 180)
    assert half.zones[0].points[1] == (240, 75)
    assert half.person.min_height_px == 32
    assert scale_analytics(settings, 0.1).person.min_height_px == 16
    assert scale_box((10, 20, 30, 41), 2.0) == (20, 40, 60, 82)


def test_built_by_the_agent_from_generic_entries() -> None:
    entries = [
        SourceSettings(
            type="camera", name="gate-cam", camera="gate-cam", url="rtsp://10.0.0.9/1", clip_pre_s=3
        ),
        SourceSettings(type="camera_qr", name="gate-qr", camera="gate-qr", url="0", debounce_s=4),
        SourceSettings(
            type="python",
            name="lobby-cam",
            target="edge_agent.camera.source:CameraSource",
            camera="lobby-cam",
            url="/srv/lobby.mp4",
        ),
    ]
    cam, qr, lobby = build_sources(entries, CONTEXT)
    assert isinstance(cam, CameraSource) and cam.settings.clip_pre_s == 3
    assert isinstance(qr, QrCameraSource) and qr.settings.debounce_s == 4
    assert qr.settings.url == 0  # a device index, from text
    assert isinstance(lobby, CameraSource) and lobby.settings.camera == "lobby-cam"
    with pytest.raises(ValueError, match="clip_seconds"):
        CameraSource.from_settings(
            SourceSettings(type="camera", camera="c", url="x.avi", clip_seconds=3), CONTEXT
        )
