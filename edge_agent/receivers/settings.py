"""Settings of the receivers, one model per source type (an entry of the agent's `sources`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, model_validator

from sitewatch.protocol.events import Printable

Health = Literal["green", "yellow", "red", "unknown"]
ScanMethod = Literal["place_code", "id_card", "health_qr"]
CredentialType = Literal["card", "face", "qr", "pin"]
Direction = Literal["in", "out"]
DeviceName = Annotated[str, Field(min_length=1, max_length=128, pattern=Printable)]


def _known_zone(value: str | None) -> str | None:
    if value is not None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown IANA time zone") from None
    return value


TimeZoneName = Annotated[str | None, AfterValidator(_known_zone)]
class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HttpListenerSettings(_Settings):
    """Where and how an HTTP receiver listens; shared by every `*_http` source type."""

    host: str = Field(
        "0.0.0.0",
        description="address to bind; devices on the site LAN push here, so all interfaces "
        "by default (set a token, or bind one interface)",
    )
    port: int = Field(8800, ge=0, le=65535, description="TCP port; 0 picks a free one (tests)")
    path: str = Field("/events", pattern=r"^/[^?#\s]*$", description="URL path records go to")
    token: SecretStr | None = Field(
        None, description="shared secret devices send as 'Authorization: Bearer …'; off if unset"
    )
    max_body_bytes: int = Field(
        64 * 1024, ge=256, le=16 * 1024 * 1024, description="largest request body (else 413)"
    )
    timeout_s: float = Field(
        10.0, gt=0, le=300, description="socket timeout; a client silent this long is cut off"
    )
    max_batch: int = Field(500, ge=1, le=10_000, description="records in one JSON array, at most")
    max_connections: int = Field(
        64, ge=1, le=4096, description="connections served at once; more are answered 503"
    )
    device: DeviceName | None = Field(
        None, description="device id for records that name none; such records are refused if unset"
    )
    timezone: TimeZoneName = Field(
        None,
        description="IANA zone for timestamps without an offset (e.g. Asia/Shanghai); "
        "such timestamps are refused if unset",
    )


class PlaceScanHttpSettings(HttpListenerSettings):
    """Digital-sentinel and place-code terminals pushing scan records."""

    type: Literal["place_scan_http"] = Field("place_scan_http", description="source type")
    port: int = Field(8801, ge=0, le=65535, description="TCP port; 0 picks a free one (tests)")
    method: ScanMethod = Field("id_card", description="scan method for records that name none")
    fever_threshold_c: float = Field(
        37.3, ge=35.0, le=42.0, description="a temperature at or above this denies (fever)"
    )
    deny_health: list[Health] = Field(
        ["red", "yellow"], description="health colours that deny when a record has no verdict"
    )


class AccessDefaults(_Settings):
    """What an access record means when it leaves a field out."""

    credential_type: CredentialType = Field(
        "card", description="credential type for records that name none"
    )
    direction: Direction = Field("in", description="direction for records that name none")


class AccessHttpSettings(HttpListenerSettings, AccessDefaults):
    """Access controllers pushing door events."""

    type: Literal["access_http"] = Field("access_http", description="source type")
    port: int = Field(8802, ge=0, le=65535, description="TCP port; 0 picks a free one (tests)")


class AccessLogSettings(AccessDefaults):
    """An access controller's line-oriented event log file, followed like `tail -F`."""

    type: Literal["access_log"] = Field("access_log", description="source type")
    path: Path = Field(
        Path("/var/log/access-controller/events.log"), description="the log file to follow"
    )
    format: Literal["auto", "jsonl", "kv"] = Field(
        "auto",
        description="'jsonl': a JSON object per line; 'kv': '<ts> door=… card=… dir=… "
        "result=…'; 'auto': JSON when a line starts with '{'",
    )
    state_path: Path | None = Field(
        None,
        description="file keeping the read position across restarts; default "
        "access_log-<hash of path>.json in the directory of the agent's outbox",
    )
    start_at: Literal["beginning", "end"] = Field(
        "beginning",
        description="where to start in a file never read before ('end' skips its history)",
    )
    poll_s: float = Field(0.2, gt=0, le=10, description="seconds between looks at the file")
    max_line_bytes: int = Field(
        64 * 1024, ge=256, le=1024 * 1024, description="longer lines are skipped and counted"
    )
    batch_max: int = Field(500, ge=1, le=10_000, description="events per outbox write, at most")
    device: DeviceName | None = Field(
        None, description="device id for lines that name no door; such lines are refused if unset"
    )
    timezone: TimeZoneName = Field(
        None, description="IANA zone for timestamps without an offset; refused if unset"
    )


class VehicleHttpSettings(HttpListenerSettings):
    """Plate-recognition cameras pushing plate reads."""

    type: Literal["vehicle_http"] = Field("vehicle_http", description="source type")
    port: int = Field(8803, ge=0, le=65535, description="TCP port; 0 picks a free one (tests)")
    min_confidence: float = Field(
        0.0, ge=0.0, le=1.0, description="reads below this confidence are skipped and counted"
    )


class AlarmRule(_Settings):
    """When a sensor reading without an explicit `alarm` is an alarm (booleans count as 1/0)."""

    when_true: bool = Field(False, description="alarm when the value is true or non-zero")
    above: float | None = Field(None, description="alarm when the value is above this")
    at_or_below: float | None = Field(None, description="alarm when the value is at or below this")


def _default_alarm_rules() -> dict[str, AlarmRule]:
    return {
        "smoke": AlarmRule(when_true=True),
        "fire": AlarmRule(when_true=True),
        "water_leak": AlarmRule(when_true=True),
        "elevator_fault": AlarmRule(when_true=True),
        "power": AlarmRule(at_or_below=0.0),
    }


class SensorHttpSettings(HttpListenerSettings):
    """Facility sensors (fire panel, elevator, water leak, power, door contact) pushing readings."""

    type: Literal["sensor_http"] = Field("sensor_http", description="source type")
    port: int = Field(8804, ge=0, le=65535, description="TCP port; 0 picks a free one (tests)")
    alarm_rules: dict[str, AlarmRule] = Field(
        default_factory=_default_alarm_rules,
        description="per metric, when a reading without `alarm` is one; metrics not listed "
        "are not alarms (smoke, fire, water_leak, elevator_fault: true; power: 0 or less)",
    )


class ScannerLinesSettings(_Settings):
    """A USB or serial QR scanner that writes one scan per line to a tty (or stdin)."""

    type: Literal["scanner_lines"] = Field("scanner_lines", description="source type")
    path: str = Field("/dev/ttyACM0", min_length=1, description="device to read; '-' is stdin")
    device: DeviceName = Field("qr-scanner", description="device id the scans carry")
    baud: int | None = Field(
        None, description="serial speed to set (e.g. 9600, 115200); left as it is if unset"
    )
    method: ScanMethod = Field("health_qr", description="scan method the scans carry")
    visitor: bool = Field(False, description="whether scans here are visitors' (a visitor desk)")
    deny_health: list[Health] = Field(
        ["red", "yellow"], description="health colours that deny the scan"
    )
    id_keys: list[str] = Field(
        ["id", "id_number", "idNo", "code"],
        min_length=1,
        description="JSON keys or URL query parameters holding the identifier, first found wins",
    )
    health_keys: list[str] = Field(
        ["health", "color", "colour"],
        description="JSON keys or URL query parameters holding the health colour",
    )
    max_line_bytes: int = Field(
        4096, ge=64, le=1024 * 1024, description="longer lines are skipped and counted"
    )
    reopen_min_s: float = Field(0.5, gt=0, description="first wait before reopening a lost device")
    reopen_max_s: float = Field(30.0, gt=0, description="longest wait between reopen attempts")

    @model_validator(mode="after")
    def _backoff_order(self) -> ScannerLinesSettings:
        if self.reopen_max_s < self.reopen_min_s:
            raise ValueError("reopen_max_s must be at least reopen_min_s")
        return self
