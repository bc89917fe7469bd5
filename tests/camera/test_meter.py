"""PipelineMeter: fps and latency over a sliding window, from times handed in."""

from __future__ import annotations

import pytest

from edge_agent.camera.meter import PipelineMeter


def test_fps_and_latency_over_the_window() -> None:
    meter = PipelineMeter(window_s=10.0, started_at=100.0)
    for i in range(50):  # 5 fps for 10 s, each frame 40 ms from read to processed
        done = 100.0 + (i + 1) * 0.2
        meter.frame_done(read_at=done - 0.04, done_at=done)
    health = meter.health(110.0, online=True, dropped=7)
    assert health.fps == pytest.approx(5.0)
    assert health.latency_ms == pytest.approx(40.0)
    assert (health.dropped_frames, health.online) == (7, True)


def test_a_young_pipeline_is_not_reported_slow() -> None:
    meter = PipelineMeter(window_s=10.0, started_at=0.0)
    for i in range(4):
        meter.frame_done(read_at=i * 0.5, done_at=i * 0.5 + 0.01)
    assert meter.health(2.0, online=True, dropped=0).fps == pytest.approx(2.0)


def test_a_stopped_camera_falls_to_zero() -> None:
    meter = PipelineMeter(window_s=5.0, started_at=0.0)
    meter.frame_done(read_at=1.0, done_at=1.1)
    health = meter.health(60.0, online=False, dropped=0)
    assert health.fps == 0.0 and health.latency_ms is None and not health.online
