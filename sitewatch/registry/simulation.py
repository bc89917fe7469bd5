"""Simulator-only knobs: how often the things a real site does happen in the simulation.

They live in the registry file's optional `simulation:` section, apart from the facts
about the site, so that the hub can import the same file and ignore them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SimulationProfile(BaseModel):
    """Rates and shares that shape simulated traffic; the defaults describe a typical park."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    absence_rate: float = Field(
        0.05, ge=0, le=1, description="share of staff absent on a working day"
    )
    weekend_attendance: float = Field(
        0.12,
        ge=0,
        le=1,
        description="share of staff with after-hours permission who come in on a day off",
    )
    overtime_share: float = Field(
        0.3,
        ge=0,
        le=1,
        description="share of staff with after-hours permission who stay late on a working day",
    )
    lunch_out_share: float = Field(
        0.35, ge=0, le=1, description="share of staff who leave the park for lunch"
    )
    drive_share: float = Field(
        0.2, ge=0, le=1, description="share of staff who drive in through the vehicle gate"
    )
    id_card_share: float = Field(
        0.55,
        ge=0,
        le=1,
        description="share of sentinel scans made with an ID card rather than a health QR code",
    )
    fever_rate: float = Field(
        0.002, ge=0, le=1, description="share of sentinel scans at 37.3 °C or above"
    )
    yellow_code_rate: float = Field(
        0.004, ge=0, le=1, description="share of scans showing a yellow health code"
    )
    red_code_rate: float = Field(
        0.001, ge=0, le=1, description="share of scans showing a red health code"
    )
    denied_rate: float = Field(
        0.012,
        ge=0,
        le=1,
        description="share of badge attempts denied (expired, unknown card, anti-passback)",
    )
    held_open_rate: float = Field(
        0.004, ge=0, le=1, description="share of floor-door passages that leave the door held open"
    )
    forced_per_door_day: float = Field(
        0.02, ge=0, description="expected forced-door events per floor door or dock per day"
    )
    outside_vehicles_per_day: float = Field(
        40.0, ge=0, description="vehicles without a registered plate arriving per working day"
    )
    outside_vehicle_denied_share: float = Field(
        0.25, ge=0, le=1, description="share of unregistered vehicles turned away at the barrier"
    )
    deliveries_per_day: float = Field(
        10.0, ge=0, description="courier deliveries per loading dock per working day"
    )
    camera_interval_s: int = Field(
        60, ge=1, le=3600, description="seconds each line-crossing count covers"
    )
    crowd_threshold: int = Field(
        12, ge=1, description="crossings per camera interval at which a gate camera reports a crowd"
    )
    person_detection_rate: float = Field(
        0.05,
        ge=0,
        le=1,
        description="chance that a busy camera interval also yields a person detection",
    )
    sensor_interval_s: int = Field(
        300, ge=1, le=86400, description="seconds between periodic facility sensor readings"
    )
    sensor_alarm_rate: float = Field(
        2e-5, ge=0, le=1, description="chance that a sensor reading is an alarm"
    )
