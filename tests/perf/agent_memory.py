"""Measure: resident memory of an agent running two camera pipelines on the real footage.

Run from the repository root:  .venv/bin/python -m tests.perf.agent_memory [--seconds 60]

The agent is built as in production (build_agent: real outbox in a temporary directory,
real sources from settings) with a fake link that acknowledges every publish at once, so
the outbox drains as it would to a healthy broker. Two `camera` sources play the two
shared clips in a loop at their own frame rate, with zones and a counting line so that
snapshots and clips are made. RSS (psutil) is sampled every second; the target is
at most 150 MB.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from edge_agent.bootstrap import build_agent
from edge_agent.ports import Outgoing
from edge_agent.settings import AgentSettings
from tests.agent.fakes import FakeLink
from tests.support.footage import VIDEO_DIR

TARGET_MB = 150.0


class ForgetfulLink(FakeLink):
    """Acknowledges every publish at once and keeps only counts: a broker that is always up.

    The tests' FakeLink keeps every message, which here would be the clips themselves
    and would be measured as the agent's memory.
    """

    def __init__(self) -> None:
        super().__init__(auto_ack=True)
        self.messages = 0
        self.payload_bytes = 0

    def publish(self, message: Outgoing) -> int:
        """Count the message, acknowledge it, forget its payload."""
        token = super().publish(message)
        with self._lock:
            del self.published[token]
            self.messages += 1
            self.payload_bytes += len(message.payload)
        return token


def camera_entries() -> list[dict[str, Any]]:
    """The two camera sources: the outdoor walkway (480x360, 10 fps) and the concourse
    (1280x720, 50 fps), each with a watched zone and a counting line."""
    walkway = VIDEO_DIR / "pedestrians_outdoor_480x360.avi"
    concourse = VIDEO_DIR / "concourse_overhead_1280x720.avi"
    for path in (walkway, concourse):
        if not path.is_file():
            raise SystemExit(f"footage missing: {path}")
    return [
        {
            "type": "camera",
            "name": "walkway-cam",
            "camera": "walkway-cam",
            "url": str(walkway),
            "loop": True,
            "analytics": {
                "zones": [
                    {
                        "name": "lawn",
                        "points": [[0, 150], [480, 150], [480, 360], [0, 360]],
                        "intrusion": True,
                        "crowd_threshold": 2,
                    }
                ],
                "lines": [{"name": "path", "a": [240, 0], "b": [240, 360]}],
            },
        },
        {
            "type": "camera",
            "name": "concourse-cam",
            "camera": "concourse-cam",
            "url": str(concourse),
            "loop": True,
            "analytics": {
                # Persons here are 60-110 px tall. The detector enlarges the frame until the
                # smallest fills its window: 64 px would mean 1920x1080 images (1.3 s and
                # +55 MB each); 96 keeps it at the camera's own 1280x720.
                "person": {"min_height_px": 96, "max_hz": 2},
                "zones": [
                    {
                        "name": "hall",
                        "points": [[0, 0], [1280, 0], [1280, 720], [0, 720]],
                        "crowd_threshold": 3,
                    },
                    {
                        "name": "service-door",
                        "points": [[900, 0], [1280, 0], [1280, 360], [900, 360]],
                        "intrusion": True,
                    },
                ],
                "lines": [{"name": "middle", "a": [640, 0], "b": [640, 720]}],
            },
        },
    ]


def main() -> None:
    """Run the agent, sample RSS each second, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to run")
    parser.add_argument("--verbose", action="store_true", help="print RSS every 5 s")
    args = parser.parse_args()
    process = psutil.Process()
    baseline = process.memory_info().rss
    with tempfile.TemporaryDirectory() as tmp:
        settings = AgentSettings(
            site="park-1",
            gateway="gw-bench",
            environment="development",
            outbox={"path": Path(tmp) / "outbox.db"},
            health_interval_s=5.0,
            sources=camera_entries(),
        )
        link = ForgetfulLink()
        agent = build_agent(settings, link=link)
        stop = threading.Event()
        thread = threading.Thread(target=agent.run, args=(stop,), name="agent")
        began = time.monotonic()
        thread.start()
        samples: list[int] = []
        while time.monotonic() - began < args.seconds:
            time.sleep(1.0)
            samples.append(process.memory_info().rss)
            if args.verbose and len(samples) % 5 == 0:
                print(f"{len(samples):4d} s  RSS {samples[-1] / 2**20:.1f} MB", flush=True)
        health = agent.health()
        stop.set()
        thread.join(timeout=30)
        published, published_mb = link.messages, link.payload_bytes / 2**20
    mb = [s / 2**20 for s in samples]
    print(
        f"ran {args.seconds:.0f} s, {len(mb)} samples; interpreter before start "
        f"{baseline / 2**20:.1f} MB"
    )
    print(
        f"RSS max {max(mb):.1f} MB, mean {statistics.fmean(mb):.1f} MB, "
        f"last {mb[-1]:.1f} MB (target <= {TARGET_MB:.0f} MB)"
    )
    for name, figures in health.cameras.items():
        print(
            f"  {name}: {figures.fps:.1f} fps, latency {figures.latency_ms} ms, "
            f"dropped {figures.dropped_frames}, online {figures.online}"
        )
    for name, counters in health.sources.items():
        shown = {k: v for k, v in counters.items() if v}
        print(f"  {name}: {shown}")
    print(
        f"  cpu {health.cpu_percent:.0f}% of one core; {published} messages published "
        f"({published_mb:.1f} MB)"
    )
    print("PASS" if max(mb) <= TARGET_MB else "OVER TARGET")


if __name__ == "__main__":
    main()
