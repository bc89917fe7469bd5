"""Request and response schemas of event search, event detail and the investigation export."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr

Kind = Literal["place_scan", "access", "camera", "vehicle", "sensor"]
Pseudonym = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Name = Annotated[str, Field(min_length=1, max_length=64)]


class EventFilters(BaseModel):
    """What an event search or an export matches; every filter is optional, all must hold."""

    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime | None = Field(None, description="from this time (inclusive), with offset")
    until: AwareDatetime | None = Field(None, description="until this time (exclusive)")
    site: Name | None = Field(None, description="required of a property manager with several sites")
    gateway: Name | None = None
    device: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    kind: Kind | None = None
    subject: Pseudonym | None = Field(None, description="subject pseudonym (64 hex digits)")
    # SecretStr: kept out of reprs, so no log line or traceback can show the number.
    id_number: SecretStr | None = Field(
        None, max_length=64,
        description="a raw ID number: the hub turns it into the site's pseudonym and keeps "
        "only that; needs `site` unless the hub holds one site key",
    )
    enterprise: Name | None = Field(None, description="enterprise id (registry enrichment)")
    building: Name | None = Field(None, description="building id (registry enrichment)")
    gate: Name | None = Field(None, description="gate id (registry enrichment)")
    result: Name | None = Field(
        None, description="verdict, access result, camera type or sensor metric"
    )
    plate: Annotated[str, Field(min_length=1, max_length=16)] | None = None


class EventSearchParams(EventFilters):
    """Query parameters of GET /events: the filters and a page."""

    limit: int = Field(100, ge=1, le=1000)
    cursor: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="`next_cursor` of the previous page"
    )


class InvestigationRequest(EventFilters):
    """An investigation export: the filters, and the case it is made for."""

    case_reference: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="case or incident number, kept in the audit log and the zip"
    )


class MediaLinkOut(BaseModel):
    """A media object an event refers to, and where to fetch it."""

    sha256: str
    content_type: str
    role: str = Field(description="snapshot or clip")
    url: str = Field(description="GET it (security, police, admin)")
    stored: bool = Field(description="whether the hub has received the bytes")


class CameraEventOut(BaseModel):
    """A camera event near the one shown, with its media."""

    event: dict[str, Any]
    media: list[MediaLinkOut]


class EventDetailOut(BaseModel):
    """One event, its media, and what the cameras at its gate saw around it."""

    event: dict[str, Any] = Field(description="the envelope as stored, plus received_at and "
                                  "enrichment")
    media: list[MediaLinkOut]
    around_s: int = Field(description="the camera events are within this many seconds")
    cameras: list[str] = Field(description="the cameras searched: those at the event's gate, "
                               "or the camera itself")
    camera_events: list[CameraEventOut] = Field(description="oldest first")
    truncated: bool = Field(description="more camera events matched than are shown")
