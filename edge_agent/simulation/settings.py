"""Settings of the simulator source, one entry of the agent's `sources` list."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SimulatorSourceSettings(BaseModel):
    """Play simulated site traffic, at a multiple of real time or at a fixed event rate."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["simulator"] = Field("simulator", description="source type")
    registry: Path | None = Field(
        None, description="site registry YAML; the bundled demo site when unset"
    )
    speed: float = Field(
        1.0,
        gt=0,
        le=100_000,
        description="simulated seconds per real second (60 plays a day in 24 minutes)",
    )
    rate: float | None = Field(
        None,
        gt=0,
        le=1_000_000,
        description="load mode: events per second at a fixed rate, ignoring `speed`",
    )
    start: datetime | None = Field(
        None, description="simulated time to start at (site time zone if no offset); now if unset"
    )
    end: datetime | None = Field(
        None,
        description="speed mode: stop at this simulated time (site time zone if no offset)",
    )
    seed: int = Field(1, description="random seed: the same seed plays the same traffic")
    limit: int | None = Field(None, ge=1, description="stop after this many events; never if unset")
    emit_every_s: float = Field(
        0.1, gt=0, le=10, description="seconds between groups of events handed to the outbox"
    )
    plays: str | None = Field(
        None,
        description=(
            "registry gateway whose devices and traffic this agent plays; default: its own "
            "gateway id (load tests run many agents that play the same registry gateway)"
        ),
    )
