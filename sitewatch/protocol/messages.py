"""Gateway status and health messages of wire protocol v1."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sitewatch.protocol.events import Timestamp


class GatewayStatus(BaseModel):
    """Retained on `{prefix}/{site}/{gateway}/status`; the last will publishes `offline`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state: Literal["online", "offline"] = Field(description="online, or offline (last will)")
    agent_version: str = Field(max_length=64, description="version of the edge agent")
    started_at: Timestamp
    config_hash: str = Field(max_length=128, description="hash of the agent's effective config")


class CameraHealth(BaseModel):
    """Per-camera pipeline figures."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fps: float = Field(ge=0, description="frames processed per second")
    latency_ms: float | None = Field(default=None, ge=0, description="processing latency")
    dropped_frames: int = Field(default=0, ge=0, description="frames skipped or lost")
    online: bool = Field(default=True, description="whether frames are arriving")


class GatewayHealth(BaseModel):
    """Periodic agent health on `{prefix}/{site}/{gateway}/health` (QoS 0)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ts: Timestamp
    outbox_depth: int = Field(ge=0, description="records waiting in the outbox")
    oldest_pending_age_s: float = Field(ge=0, description="age of the oldest waiting record")
    inflight: int = Field(default=0, ge=0, description="messages published, not yet acknowledged")
    dropped: dict[str, int] = Field(
        default_factory=dict, description="records shed or refused, by reason"
    )
    sources: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="counters per source, e.g. {'simulator': {'events': 12}}"
    )
    cameras: dict[str, CameraHealth] = Field(default_factory=dict)
    cpu_percent: float = Field(ge=0, description="agent process CPU, percent of one core")
    memory_rss_bytes: int = Field(ge=0, description="agent process resident memory")
