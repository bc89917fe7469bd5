"""Thresholds of the site grade, as data: hub/stats/grading.yaml, validated here."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sitewatch.registry import GateKind

DEFAULT_GRADING = "grading.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Bands(_Model):
    """The lowest score of each grade; a score below `pass` is `poor`."""

    excellent: float = Field(90, ge=0, le=100, description="lowest score graded excellent")
    good: float = Field(80, ge=0, le=100, description="lowest score graded good")
    general: float = Field(70, ge=0, le=100, description="lowest score graded general")
    pass_: float = Field(60, ge=0, le=100, alias="pass", description="lowest score graded pass")

    @model_validator(mode="after")
    def _descending(self) -> Bands:
        if not self.excellent > self.good > self.general > self.pass_:
            raise ValueError("bands must fall strictly: excellent > good > general > pass")
        return self


class Acknowledgement(_Model):
    """How fast alarms are answered (acknowledged, or resolved without an acknowledgement)."""

    median_s: float = Field(300, gt=0, description="target median response, seconds")
    median_points: float = Field(10, ge=0, description="points off when the median misses it")
    p90_s: float = Field(1800, gt=0, description="target 90th-percentile response, seconds")
    p90_points: float = Field(10, ge=0, description="points off when the p90 misses it")


class Unresolved(_Model):
    """Alarms left unresolved too long."""

    older_than_h: float = Field(24, gt=0, description="an alarm open longer than this counts")
    points_each: float = Field(5, ge=0, description="points off per such alarm")
    max_points: float = Field(25, ge=0, description="most points off for these together")


class Uptime(_Model):
    """Uptime of gateways or cameras over the window."""

    target: float = Field(gt=0, le=1, description="share of time up that costs nothing")
    points_per_percent: float = Field(ge=0, description="points off per percent below target")
    max_points: float = Field(ge=0, description="most points off for this")


class GatesWithoutCamera(_Model):
    """Gates no registered camera looks at: who passed cannot be checked on footage."""

    points_each: float = Field(3, ge=0, description="points off per gate")
    max_points: float = Field(15, ge=0, description="most points off for these together")
    exempt_kinds: list[GateKind] = Field(
        default_factory=list, description="kinds of gate that need no camera"
    )


class GradingRules(_Model):
    """Everything the site grade is measured against."""

    window_days: int = Field(30, ge=1, le=366, description="days of operation graded")
    bands: Bands = Field(default_factory=Bands, description="scores of the grades")
    acknowledgement: Acknowledgement = Field(default_factory=Acknowledgement)
    unresolved: Unresolved = Field(default_factory=Unresolved)
    gateway_uptime: Uptime = Field(
        default_factory=lambda: Uptime(target=0.99, points_per_percent=2, max_points=20)
    )
    camera_uptime: Uptime = Field(
        default_factory=lambda: Uptime(target=0.95, points_per_percent=1, max_points=15)
    )
    gates_without_camera: GatesWithoutCamera = Field(default_factory=GatesWithoutCamera)


class GradingError(ValueError):
    """A grading file that does not validate; the message names each field at fault."""


def parse_grading(data: Any, source: str = "grading") -> GradingRules:
    """Validate a loaded grading document."""
    try:
        return GradingRules.model_validate(data if data is not None else {})
    except ValidationError as exc:
        lines = [
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}"
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise GradingError(f"{source}: " + "; ".join(lines)) from None


def load_grading(path: Path | None = None) -> GradingRules:
    """Read a grading file; None reads the one shipped with the hub."""
    if path is None:
        text = resources.files("hub.stats").joinpath(DEFAULT_GRADING).read_text("utf-8")
        source = DEFAULT_GRADING
    else:
        text, source = path.read_text(encoding="utf-8"), str(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise GradingError(f"{source}: not valid YAML: {exc}") from None
    return parse_grading(data, source)
