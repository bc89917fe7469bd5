"""Tamper decisions from plain per-frame statistics."""

from __future__ import annotations

import pytest

from edge_agent.camera.settings import TamperSettings
from edge_agent.camera.tamper import Cause, FrameStats, TamperMonitor, TamperVerdict

NORMAL = FrameStats(brightness=118.0, contrast=52.0, sharpness=0.75, similarity=0.95)
BLACK = FrameStats(brightness=2.0, contrast=1.0, sharpness=0.0, similarity=0.0)
COVERED = FrameStats(brightness=120.0, contrast=3.0, sharpness=0.3, similarity=0.1)
BLURRED = FrameStats(brightness=118.0, contrast=46.0, sharpness=0.02, similarity=0.75)
MOVED = FrameStats(brightness=118.0, contrast=52.0, sharpness=0.7, similarity=0.05)
SETTINGS = TamperSettings(duration_s=3.0, recover_s=2.0, learn_s=1.0, reference_refresh_s=60.0)
FPS = 10


class Feed:
    """Feeds a monitor frames at 10 fps and remembers what it said."""

    def __init__(self, settings: TamperSettings = SETTINGS) -> None:
        self.monitor = TamperMonitor(settings)
        self.ts = 1_000.0
        self.verdicts: list[tuple[float, TamperVerdict]] = []

    def run(self, stats: FrameStats, seconds: float) -> list[tuple[float, Cause]]:
        """Feed `seconds` of frames; return the (ts, cause) of each report."""
        fired = []
        for _ in range(round(seconds * FPS)):
            verdict = self.monitor.update(self.ts, stats)
            self.verdicts.append((self.ts, verdict))
            if verdict.fired is not None:
                fired.append((self.ts, verdict.fired))
            self.ts += 1 / FPS
        return fired


def test_a_normal_view_reports_nothing_and_asks_for_a_reference_first() -> None:
    feed = Feed()
    assert feed.run(NORMAL, 30) == []
    assert feed.verdicts[0][1].take_reference
    assert all(verdict.cause is None for _, verdict in feed.verdicts)


def test_black_is_reported_once_after_the_duration() -> None:
    feed = Feed()
    feed.run(NORMAL, 5)
    start = feed.ts
    fired = feed.run(BLACK, 20)
    assert [cause for _, cause in fired] == ["black"]
    assert fired[0][0] - start == pytest.approx(3.0, abs=1.01 / FPS)


def test_a_short_blackout_and_a_flicker_are_not_reported() -> None:
    feed = Feed()
    feed.run(NORMAL, 5)
    assert feed.run(BLACK, 2.5) == []
    # One normal frame in between starts the count again.
    assert feed.run(NORMAL, 0.1) == []
    assert feed.run(BLACK, 2.5) == []


def test_the_monitor_rearms_only_after_recovering_for_long_enough() -> None:
    feed = Feed()
    feed.run(NORMAL, 5)
    assert [cause for _, cause in feed.run(BLACK, 5)] == ["black"]
    feed.run(NORMAL, 1.0)  # shorter than recover_s: still the same episode
    assert feed.run(BLACK, 5) == []
    feed.run(NORMAL, 2.5)
    assert [cause for _, cause in feed.run(BLACK, 5)] == ["black"]


def test_covered_blurred_and_moved_are_told_apart() -> None:
    for stats, cause in ((COVERED, "covered"), (BLURRED, "blurred"), (MOVED, "moved")):
        feed = Feed()
        feed.run(NORMAL, 5)
        assert [c for _, c in feed.run(stats, 10)] == [cause]


def test_blur_is_judged_against_the_learnt_sharpness() -> None:
    # A scene that is never very sharp: 0.02 is its normal, not a blur.
    soft = FrameStats(brightness=118.0, contrast=40.0, sharpness=0.02, similarity=0.9)
    feed = Feed()
    assert feed.run(soft, 10) == []
    softer = FrameStats(brightness=118.0, contrast=40.0, sharpness=0.004, similarity=0.9)
    assert [c for _, c in feed.run(softer, 10)] == ["blurred"]


def test_blur_and_moves_wait_for_the_learning_time() -> None:
    feed = Feed(SETTINGS.model_copy(update={"learn_s": 30.0}))
    feed.run(NORMAL, 1)
    assert feed.run(MOVED, 10) == []


def test_black_wins_over_the_other_causes() -> None:
    feed = Feed()
    feed.run(NORMAL, 5)
    dark_and_blurred = FrameStats(brightness=5.0, contrast=2.0, sharpness=0.0, similarity=0.0)
    assert [c for _, c in feed.run(dark_and_blurred, 5)] == ["black"]


def test_a_reported_move_rebases_the_reference() -> None:
    feed = Feed()
    feed.run(NORMAL, 5)
    fired = feed.run(MOVED, 5)
    assert [c for _, c in fired] == ["moved"]
    verdict = dict(feed.verdicts)[fired[0][0]]
    assert verdict.take_reference


def test_the_reference_is_renewed_while_all_is_well() -> None:
    feed = Feed()
    feed.run(NORMAL, 130)
    renewals = [ts - 1_000.0 for ts, verdict in feed.verdicts if verdict.take_reference]
    # Every frame while learning, then once a minute.
    learning = [ts for ts in renewals if ts < SETTINGS.learn_s]
    later = [ts for ts in renewals if ts >= SETTINGS.learn_s]
    assert len(learning) == SETTINGS.learn_s * FPS
    assert len(later) == 2
    assert later[0] - learning[-1] == pytest.approx(60.0, abs=1.01 / FPS)
    assert later[1] - later[0] == pytest.approx(60.0, abs=1.01 / FPS)
