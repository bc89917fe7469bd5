"""Settings of the derived figures: the `stats` section of the hub's settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class StatsSettings(BaseModel):
    """Occupancy, daily enterprise figures, site grades and stability colours."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="derive figures, grades and colours")
    recompute_s: float = Field(
        60.0, ge=1, le=3600,
        description="how often today's enterprise figures are recomputed from the ledger "
        "and the stability colours reassessed",
    )
    occupancy_rebuild_s: float | None = Field(
        600.0, ge=10,
        description="how often occupancy is recounted from the ledger (brings in what other "
        "hub replicas ingested); null recounts only at start",
    )
    camera_sample_s: float = Field(
        300.0, ge=1, description="at most one sample of each camera's `online` flag this often"
    )
    camera_samples_keep_days: int = Field(
        120, ge=1, description="camera samples older than this are deleted"
    )
    grading_file: Path | None = Field(
        None, description="YAML thresholds of the site grade; null uses hub/stats/grading.yaml"
    )
    stability_rules_file: Path | None = Field(
        None,
        description="YAML rules of the stability colours; null uses "
        "hub/stats/stability_rules.yaml",
    )
