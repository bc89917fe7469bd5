"""Event envelopes of wire protocol v1 (DESIGN.md), one pydantic model per kind."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
)

PROTOCOL_VERSION = 1
MAX_SEQ = 2**63 - 1  # the ledger's BIGINT

# Topic-safe names: no '/', '+', '#', spaces or control characters.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
# Printable text only: control characters have no place in names shown to people.
Printable = r"^[^\x00-\x1f\x7f]+$"
DeviceName = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=Printable)]
Pseudonym = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{64}$"),
    Field(description="HMAC-SHA256(site key, normalised identifier) as 64 lower-case hex digits"),
]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]

# A ULID (Crockford base32) or a UUID, either letter case; checked by pydantic-core's regex.
_EVENT_ID = (
    r"^(?:[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}"
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)


def _canonical_id(value: str) -> str:
    """ULIDs upper case, UUIDs lower case, so one event has one spelling of its id."""
    return value.upper() if len(value) == 26 else value.lower()


EventId = Annotated[
    str,
    StringConstraints(pattern=_EVENT_ID),
    AfterValidator(_canonical_id),
    Field(description="globally unique event id, a UUID or a ULID"),
]


def _require_rfc3339_text(value: Any) -> Any:
    """Refuse numbers: pydantic would read them as Unix time, the protocol wants RFC 3339."""
    if not isinstance(value, str | datetime):
        raise ValueError("must be an RFC 3339 date-time string with an offset")
    return value


def _require_utc_range(value: datetime) -> datetime:
    """Refuse a time with no UTC equivalent: the ledger stores every time in UTC."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("in UTC falls outside the years 1 to 9999") from None
    return value


Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_require_rfc3339_text),
    AfterValidator(_require_utc_range),
    Field(strict=False, description="RFC 3339 date-time with an offset"),
]


def _require_integer(value: Any) -> Any:
    """Refuse true and 1.0: Literal[1] would take anything equal to 1, the protocol wants 1."""
    if type(value) is not int:
        raise ValueError("must be the integer 1")
    return value


Version = Annotated[Literal[1], BeforeValidator(_require_integer)]


class WireModel(BaseModel):
    """Base of every protocol model: strict types, unknown fields rejected, immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class MediaRef(WireModel):
    """A snapshot or clip sent separately on the media topic, named by its SHA-256."""

    sha256: Sha256 = Field(description="SHA-256 of the media bytes, lower-case hex")
    content_type: Annotated[str, StringConstraints(pattern=r"^[a-z]+/[A-Za-z0-9.+\-]+$")] = Field(
        description="MIME type, e.g. image/jpeg or video/mp4"
    )
    role: Literal["snapshot", "clip"] = Field(description="what the media shows of the event")


class Envelope(WireModel):
    """Fields every event carries, whatever its kind."""

    v: Version = Field(description="protocol version")
    id: EventId
    seq: int = Field(
        ge=1, le=MAX_SEQ, description="per-gateway sequence number, strictly increasing"
    )
    ts: Timestamp
    site: Name = Field(description="site id; must match the topic")
    gateway: Name = Field(description="gateway id; must match the topic")
    device: DeviceName = Field(description="the scanner, door, camera or sensor that saw it")
    media: list[MediaRef] = Field(default_factory=list, max_length=32)


class PlaceScan(Envelope):
    """A place-code or digital-sentinel scan at an entrance."""

    kind: Literal["place_scan"]
    subject: Pseudonym
    method: Literal["place_code", "id_card", "health_qr"]
    health: Literal["green", "yellow", "red", "unknown"]
    temperature_c: float | None = Field(default=None, ge=20.0, le=50.0)
    verdict: Literal["pass", "deny"]
    visitor: bool = False


class Credential(WireModel):
    """What was presented at a door; `ref` is pseudonymised like any personal identifier."""

    type: Literal["card", "face", "qr", "pin"]
    ref: Pseudonym | None = None


class Access(Envelope):
    """An access-control decision at a door or turnstile."""

    kind: Literal["access"]
    subject: Pseudonym | None = None
    credential: Credential
    direction: Literal["in", "out"]
    result: Literal["granted", "denied", "forced", "held_open"]
    reason: Annotated[str, StringConstraints(max_length=200)] | None = None


Box = Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=4, max_length=4)]


class Camera(Envelope):
    """A camera analytics observation."""

    model_config = ConfigDict(populate_by_name=True)

    kind: Literal["camera"]
    type: Literal["motion", "person", "line_crossing", "intrusion", "tamper", "crowd"]
    count: int | None = Field(default=None, ge=0)
    in_: int | None = Field(default=None, ge=0, alias="in")
    out: int | None = Field(default=None, ge=0)
    zone: Annotated[str, StringConstraints(max_length=64)] | None = None
    score: float | None = Field(default=None, ge=0.0, le=1.0)
    boxes: list[Box] = Field(default_factory=list, max_length=256)


class Vehicle(Envelope):
    """A plate read at a vehicle gate."""

    kind: Literal["vehicle"]
    plate: Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=Printable)]
    direction: Literal["in", "out"]
    result: Literal["granted", "denied"]


class Sensor(Envelope):
    """A facility sensor reading: fire panel, elevator, water leak, power, door contact."""

    kind: Literal["sensor"]
    metric: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    value: float | bool | None = None
    unit: Annotated[str, StringConstraints(max_length=16)] | None = None
    alarm: bool = False


Event = Annotated[
    PlaceScan | Access | Camera | Vehicle | Sensor,
    Field(discriminator="kind"),
]
EVENT_KINDS: tuple[str, ...] = ("place_scan", "access", "camera", "vehicle", "sensor")

event_adapter: TypeAdapter[Event] = TypeAdapter(Event)
