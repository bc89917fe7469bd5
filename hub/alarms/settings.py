"""Settings of the rules and alarms: the `alarms` section of the hub's settings."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr


class WebhookSettings(BaseModel):
    """An HTTP endpoint told of every alarm change."""

    model_config = ConfigDict(extra="forbid")

    url: HttpUrl = Field(description="where alarm changes are POSTed as JSON")
    token: SecretStr | None = Field(None, description="sent as `Authorization: Bearer <token>`")
    timeout_s: float = Field(5.0, gt=0, le=60, description="timeout of one POST")
    max_attempts: int = Field(5, ge=1, le=20, description="tries per change before giving up")
    backoff_s: float = Field(1.0, gt=0, description="first wait between tries; doubles each time")
    backoff_max_s: float = Field(30.0, gt=0, description="longest wait between tries")
    queue_max: int = Field(
        1000, ge=1, description="changes waiting to be sent; beyond this, new ones are dropped"
    )


class BusinessHoursSettings(BaseModel):
    """When a site is open; entries outside it are judged by the after-hours rules."""

    model_config = ConfigDict(extra="forbid")

    start: time = Field(time(7, 0), description="opening time, site-local")
    end: time = Field(
        time(20, 0), description="closing time, site-local; before start spans midnight"
    )
    days: list[int] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4],
        description="weekdays open, Monday = 0 (default Monday to Friday)",
    )


class AlarmSettings(BaseModel):
    """Rules and alarms: which rules run, how alarms escalate, who is told."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="run the rules and keep alarms")
    rules_file: Path | None = Field(
        None, description="YAML rules file; null uses the rules shipped with the hub"
    )
    tick_s: float = Field(
        1.0, gt=0, le=60, description="how often escalations and time-based rules are checked"
    )
    max_escalation_level: int = Field(
        3, ge=1, le=10, description="an unacknowledged alarm escalates at most this many times"
    )
    max_event_age_s: float | None = Field(
        3600.0,
        gt=0,
        description="events older than this when they reach the rules raise no alarm "
        "(a backfill or a long replay is history); they still count in windows; "
        "null alarms on any age",
    )
    max_event_ids: int = Field(
        50, ge=1, le=10_000, description="event ids kept per alarm (the first and the latest)"
    )
    max_keys: int = Field(
        10_000, ge=100, description="doors, persons, gates... each rule tracks at most"
    )
    queue_max_commits: int = Field(
        1000, ge=1, description="commits waiting for the rules; beyond this they are skipped"
    )
    notify_mqtt: bool = Field(
        True, description="publish alarm changes to `{topic_prefix}/alarms/{site}` (QoS 1)"
    )
    notify_folds: bool = Field(
        False, description="notify each repeat folded into an open alarm, not only changes"
    )
    webhook: WebhookSettings | None = Field(None, description="optional webhook notifier")
    business_hours: BusinessHoursSettings = Field(
        default_factory=BusinessHoursSettings,
        description="business hours of every site, in the site's own time zone",
    )
    site_business_hours: dict[str, BusinessHoursSettings] = Field(
        default_factory=dict, description="business hours of particular sites, by site id"
    )
