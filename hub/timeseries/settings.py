"""Settings of the hub's time-series writer (a section of the hub's settings tree)."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class TimeSeriesSettings(BaseModel):
    """Where and how the hub writes time series (InfluxDB v2 write API)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(
        False, description="write time series; off by default (the console charts read the ledger)"
    )
    url: str = Field(
        "http://127.0.0.1:8086",
        description="base URL of an endpoint speaking InfluxDB's /api/v2/write "
        "(InfluxDB 2.x/3.x, or VictoriaMetrics)",
    )
    token: SecretStr = Field(
        SecretStr(""), description="API token with write access to the bucket; empty sends none"
    )
    org: str = Field("sitewatch", description="InfluxDB organisation (name or id)")
    bucket: str = Field("sitewatch", description="InfluxDB bucket the points go to")
    batch_size: int = Field(
        5000, ge=1, le=100_000, description="points per write request (InfluxDB advises ~5,000)"
    )
    flush_interval_s: float = Field(
        1.0, gt=0, le=60, description="longest a point waits for its batch to fill before sending"
    )
    retry_min_s: float = Field(
        0.5, gt=0, description="first wait before retrying after a failed write; doubles each time"
    )
    retry_max_s: float = Field(
        30.0, gt=0, description="longest wait between retries while the endpoint is unreachable"
    )
    spool_path: Path = Field(
        Path("sitewatch-timeseries-spool.db"),
        description="SQLite file holding batches the endpoint has not accepted yet",
    )
    spool_max_bytes: int = Field(
        512 * 1024 * 1024,
        ge=1024 * 1024,
        description="disk the spool may use (compressed); past it the oldest batches are dropped",
    )
    timeout_s: float = Field(10.0, gt=0, description="timeout of one write request")

    @model_validator(mode="after")
    def _retry_bounds_in_order(self) -> Self:
        if self.retry_max_s < self.retry_min_s:
            raise ValueError("retry_max_s must not be below retry_min_s")
        return self
