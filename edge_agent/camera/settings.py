"""Settings of the camera analytics: motion, persons, lines, zones and tamper, per camera."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Point = tuple[int, int]
# The protocol carries `zone` (zone or line name) as at most 64 characters.
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MotionSettings(_Section):
    """Motion: a running-average background on a small grey copy of the frame (as Frigate)."""

    width: int = Field(
        160, ge=32, le=1920, description="frames are shrunk to this width for differencing"
    )
    blur_px: int = Field(
        5, ge=1, le=31, description="Gaussian blur kernel (odd) against sensor noise"
    )
    threshold: int = Field(
        25, ge=1, le=255, description="grey-level difference that counts a pixel as changed"
    )
    background_alpha: float = Field(
        0.05,
        gt=0,
        le=1,
        description="how fast the background follows the scene per frame; lower keeps "
        "slow walkers visible longer",
    )
    min_area_px: int = Field(
        12,
        ge=1,
        description="smallest changed region to report, in pixels of the shrunk frame",
    )
    max_area_ratio: float = Field(
        0.5,
        gt=0,
        le=1,
        description="when more than this share of the frame changes at once (lights, "
        "camera covered or moved) the background is reset and no motion is reported",
    )
    end_after_s: float = Field(
        2.0, ge=0, description="motion is over after this long without any changed region"
    )


class PersonSettings(_Section):
    """Persons: OpenCV's HOG people detector, run on the regions with motion."""

    enabled: bool = Field(True, description="look for persons at all")
    max_hz: float = Field(
        5.0, gt=0, le=100, description="the detector runs at most this often per camera"
    )
    min_height_px: int = Field(
        64,
        ge=16,
        le=1024,
        description="smallest person to find, in source pixels; images are enlarged so such "
        "a person fills the detector's 128-px window (about 96 px of person)",
    )
    hit_threshold: float = Field(
        0.0, description="HOG SVM margin a window needs to count as a hit (hitThreshold)"
    )
    win_stride: int = Field(8, ge=1, le=64, description="HOG window step in pixels (winStride)")
    padding: int = Field(8, ge=0, le=64, description="HOG border padding in pixels (padding)")
    scale: float = Field(
        1.05, gt=1.0, le=2.0, description="HOG image pyramid step between levels (scale)"
    )
    min_score: float = Field(
        0.6,
        ge=0,
        le=1,
        description="detections scoring below this (logistic of the SVM margin) are dropped",
    )
    nms_overlap: float = Field(
        0.6,
        gt=0,
        le=1,
        description="of two boxes overlapping by more than this share of the smaller one, "
        "the weaker is dropped",
    )
    roi_padding: float = Field(
        0.2,
        ge=0,
        le=4,
        description="motion regions are widened by this share of their height on every side "
        "before the detector looks at them (a moving leg needs the whole body around it)",
    )
    full_frame_ratio: float = Field(
        0.5,
        gt=0,
        le=1,
        description="when the regions cover more than this share of the frame the detector "
        "runs on the whole frame instead",
    )
    event_interval_s: float = Field(
        2.0, ge=0, description="a changed person count is reported at most this often"
    )
    track_iou: float = Field(
        0.2, ge=0, le=1, description="overlap a detection needs to continue a track"
    )
    track_max_jump: float = Field(
        0.6,
        gt=0,
        description="or its centre within this many box heights of the track's prediction",
    )
    track_min_hits: int = Field(
        2, ge=1, description="detections before a track counts (lines, zones, person count)"
    )
    track_max_misses: int = Field(
        6, ge=1, description="detector runs a track may go unseen before it ends"
    )
    track_max_age_s: float = Field(
        2.0, gt=0, description="a track unseen for this long ends, however few runs happened"
    )


class LineSettings(_Section):
    """A counting line: persons whose feet cross the segment from a to b are counted in or out."""

    name: Name = Field(description="line name; the `zone` of its line_crossing events")
    a: Point = Field(description="first end, (x, y) in pixels of the source frame")
    b: Point = Field(description="second end, (x, y) in pixels of the source frame")
    in_side: Literal["left", "right"] = Field(
        "right",
        description="looking from a towards b on the screen, feet arriving on this side "
        "are counted in, feet leaving it out",
    )
    hysteresis_px: float = Field(
        6.0,
        ge=0,
        description="feet must be this far past the line before the side counts as changed, "
        "so a person dithering on the line is counted once",
    )

    @model_validator(mode="after")
    def _distinct_ends(self) -> LineSettings:
        if self.a == self.b:
            raise ValueError("a line needs two distinct ends")
        return self


class ZoneSettings(_Section):
    """A watched area: intrusion while active, crowding above a head-count."""

    name: Name = Field(description="zone name; the `zone` of its events")
    points: list[Point] = Field(
        min_length=3, description="polygon corners, (x, y) in pixels of the source frame"
    )
    active_hours: str | None = Field(
        None,
        description="'HH:MM-HH:MM' local time when the zone is watched (may span midnight, "
        "e.g. '18:00-07:00'); null watches it always",
    )
    crowd_threshold: int | None = Field(
        None, ge=0, description="more persons than this in the zone is a crowd; null: never"
    )
    intrusion: bool = Field(False, description="any person entering the zone is an intrusion")

    @field_validator("active_hours")
    @classmethod
    def _hours_format(cls, value: str | None) -> str | None:
        if value is not None and not _HOURS.match(value):
            raise ValueError("active_hours must look like '18:00-07:00'")
        return value


class TamperSettings(_Section):
    """Tamper: the view turned black, covered, blurred or moved for a while."""

    enabled: bool = Field(True, description="watch for tampering at all")
    black_brightness: float = Field(
        20.0, ge=0, le=255, description="mean grey level below which the view is black"
    )
    covered_contrast: float = Field(
        8.0,
        ge=0,
        le=128,
        description="grey-level standard deviation below which the view is covered "
        "(uniform but not black: a hand, a cloth, paint)",
    )
    blur_ratio: float = Field(
        0.25,
        gt=0,
        lt=1,
        description="sharpness (Laplacian variance over grey-level variance) below this "
        "share of the learnt normal sharpness is a blurred view",
    )
    moved_similarity: float = Field(
        0.4,
        ge=0,
        lt=1,
        description="correlation of the view's edges with the reference view's (0..1) below "
        "which the camera has moved; people walking by keep it above 0.7",
    )
    duration_s: float = Field(
        5.0, ge=0, description="a condition must last this long before it is reported"
    )
    recover_s: float = Field(
        3.0, ge=0, description="the view must be normal this long before tamper re-arms"
    )
    learn_s: float = Field(
        2.0,
        ge=0,
        description="normal sharpness and the reference view are learnt over this long "
        "before blur and moves are judged",
    )
    reference_refresh_s: float = Field(
        300.0,
        gt=0,
        description="while the view is normal the reference is renewed this often, to follow "
        "light and parked cars",
    )


class AnalyticsSettings(_Section):
    """What the analyser looks for in one camera's frames."""

    motion: MotionSettings = Field(default_factory=MotionSettings, description="motion")
    person: PersonSettings = Field(default_factory=PersonSettings, description="persons")
    lines: list[LineSettings] = Field(default_factory=list, description="counting lines")
    zones: list[ZoneSettings] = Field(default_factory=list, description="watched zones")
    tamper: TamperSettings = Field(default_factory=TamperSettings, description="tamper")
    motion_event_interval_s: float = Field(
        10.0,
        ge=0,
        description="motion is reported when it starts, then at most this often while it lasts",
    )

    @model_validator(mode="after")
    def _unique_names(self) -> AnalyticsSettings:
        names = [line.name for line in self.lines] + [zone.name for zone in self.zones]
        if len(names) != len(set(names)):
            raise ValueError("line and zone names must be unique per camera")
        return self
