"""The agent's periodic health report: a pure builder and a tiny process meter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psutil

from sitewatch.protocol import CameraHealth, GatewayHealth


@dataclass(frozen=True, slots=True)
class ProcessSample:
    """CPU and memory of the agent process at one moment."""

    cpu_percent: float
    rss_bytes: int


class ProcessMeter:
    """Samples the agent's own CPU (since the previous sample) and resident memory."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._process.cpu_percent(None)  # the first reading is meaningless; prime it

    def sample(self) -> ProcessSample:
        """CPU percent of one core since the last sample, and RSS now."""
        return ProcessSample(
            cpu_percent=self._process.cpu_percent(None),
            rss_bytes=self._process.memory_info().rss,
        )


def build_health(
    ts: datetime,
    *,
    outbox_depth: int,
    oldest_pending_age_s: float,
    inflight: int,
    dropped: dict[str, int],
    sources: dict[str, dict[str, int]],
    process: ProcessSample,
    cameras: dict[str, CameraHealth] | None = None,
) -> GatewayHealth:
    """The health message from values already gathered."""
    return GatewayHealth(
        ts=ts,
        outbox_depth=outbox_depth,
        oldest_pending_age_s=max(0.0, oldest_pending_age_s),
        inflight=inflight,
        dropped={reason: count for reason, count in sorted(dropped.items()) if count},
        sources=sources,
        cameras=cameras or {},
        cpu_percent=max(0.0, process.cpu_percent),
        memory_rss_bytes=process.rss_bytes,
    )
