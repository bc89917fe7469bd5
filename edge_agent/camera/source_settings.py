"""Settings of the camera sources, each one entry of the agent's `sources` list."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from edge_agent.camera.observations import ObservationType
from edge_agent.camera.qr_payload import Health
from edge_agent.camera.settings import AnalyticsSettings

# The protocol's `device`: printable text, at most 128 characters.
DEVICE_PATTERN = r"^[^\x00-\x1f\x7f]{1,128}$"


def _snapshot_types() -> list[ObservationType]:
    return ["person", "line_crossing", "intrusion", "tamper", "crowd"]


def _clip_types() -> list[ObservationType]:
    return ["intrusion", "crowd", "tamper"]


def _denied_health() -> list[Health]:
    return ["red", "yellow"]


class CaptureSettings(BaseModel):
    """Where frames come from and how a lost camera is brought back."""

    model_config = ConfigDict(extra="forbid")

    camera: str = Field(pattern=DEVICE_PATTERN, description="camera id: the `device` of its events")
    url: int | str = Field(
        description="RTSP/HTTP URL, video file path, or local device index (0, 1, ...)"
    )
    pace: Literal["realtime", "asap"] = Field(
        "realtime",
        description="files only: 'realtime' plays at the file's frame rate like a camera; "
        "'asap' reads every frame as fast as analysed, stamped start + index / fps (tests)",
    )
    loop: bool = Field(False, description="files only: start over at the end")
    reconnect_min_s: float = Field(1.0, gt=0, description="first wait before reopening")
    reconnect_max_s: float = Field(30.0, gt=0, description="longest wait between reopenings")
    stall_s: float = Field(
        10.0, gt=0, description="a camera with no frame for this long is offline and reopened"
    )
    timezone: str = Field("UTC", description="IANA time zone of the site, for schedules")

    @field_validator("url")
    @classmethod
    def _device_index(cls, value: int | str) -> int | str:
        # From the environment a device index arrives as text.
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        if isinstance(value, str) and not value.strip():
            raise ValueError("url must not be empty")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _backoff_order(self) -> CaptureSettings:
        if self.reconnect_max_s < self.reconnect_min_s:
            raise ValueError("reconnect_max_s must be at least reconnect_min_s")
        return self


class CameraSourceSettings(CaptureSettings):
    """A camera analysed on the gateway: motion, persons, lines, zones, tamper, crowds."""

    type: Literal["camera"] = Field("camera", description="source type")
    analytics: AnalyticsSettings = Field(
        default_factory=AnalyticsSettings, description="what the analyser looks for"
    )
    process_width: int | None = Field(
        None,
        ge=64,
        description="frames wider than this are scaled down before analysis, e.g. 1280 for "
        "a 4K stream (less memory and work per frame); null analyses them as they come. "
        "Lines, zones and the smallest person are scaled along, so the same persons are "
        "found: the detector's cost is set by analytics.person.min_height_px, not by this. "
        "Boxes in events are in the camera's own pixels",
    )
    snapshot_types: list[ObservationType] = Field(
        default_factory=_snapshot_types,
        description="observation types whose events carry a JPEG snapshot with boxes",
    )
    clip_types: list[ObservationType] = Field(
        default_factory=_clip_types,
        description="observation types whose events carry a clip around them",
    )
    clip_pre_s: float = Field(5.0, ge=0, le=30, description="clip seconds before the event")
    clip_post_s: float = Field(
        5.0, ge=0, le=30, description="clip seconds after it (the event waits for them)"
    )
    clip_fps: float = Field(
        10.0, gt=0, le=30, description="frames per second kept for clips, at most"
    )
    clip_width: int | None = Field(
        640, ge=64, description="clip frames wider than this are scaled down; null keeps size"
    )
    clip_quality: int = Field(
        70, ge=10, le=100, description="JPEG quality of frames held for clips"
    )
    ring_max_bytes: int = Field(
        8 * 1024 * 1024,
        ge=64 * 1024,
        description="memory budget of the frames held for clips; oldest go first beyond it",
    )
    jpeg_quality: int = Field(80, ge=10, le=100, description="JPEG quality of snapshots")
    max_pending_clips: int = Field(
        16,
        ge=1,
        description="events waiting for their clip, at most; beyond it the oldest goes out "
        "with its clip cut short",
    )
    health_window_s: float = Field(
        10.0, gt=0, description="seconds over which fps and latency are measured"
    )


class QrCameraSourceSettings(CaptureSettings):
    """A camera reading health or place QR codes held up at an entrance."""

    type: Literal["camera_qr"] = Field("camera_qr", description="source type")
    method: Literal["place_code", "id_card", "health_qr"] = Field(
        "health_qr", description="the `method` of the place_scan events"
    )
    debounce_s: float = Field(
        10.0, ge=0, description="the same code counts once per this many seconds"
    )
    scan_hz: float = Field(
        5.0, gt=0, le=60, description="frames decoded per second, at most (decoding is slow)"
    )
    deny_health: list[Health] = Field(
        default_factory=_denied_health,
        description="health colours refused entry: red, and yellow (at risk: the entrance "
        "sends them to a manual check rather than letting them through)",
    )
    fever_c: float | None = Field(
        37.3,
        ge=35,
        le=42,
        description="a temperature at or above this is refused; null never refuses on it",
    )
    visitor: bool = Field(False, description="the `visitor` flag of the events")
