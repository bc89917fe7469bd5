"""What goes with an event shown on its own: its media, and the camera events around it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from hub.api.schemas_events import CameraEventOut, EventDetailOut, MediaLinkOut
from hub.ledger import Ledger
from hub.records import EventQuery
from hub.registry.snapshot import RegistrySnapshot

MAX_CAMERA_EVENTS = 200  # a busy lobby camera reports every few seconds; enough for ±60 s
MEDIA_URL = "/api/v1/media/{sha256}"


def cameras_for(event: Mapping[str, Any], snapshot: RegistrySnapshot) -> tuple[str, ...]:
    """The cameras whose events belong with `event`: those looking at its gate, or itself."""
    site, device = str(event["site"]), str(event["device"])
    if event["kind"] == "camera":
        return (device,)
    enrichment = event.get("enrichment") or {}
    # The gate stored on ingest; else today's registry (an event from before the import).
    gate = enrichment.get("gate") or snapshot.gate_of_device(site, device)
    return snapshot.cameras_at_gate(site, gate) if gate else ()


def event_detail(
    ledger: Ledger, event: dict[str, Any], snapshot: RegistrySnapshot, around_s: int
) -> EventDetailOut:
    """The event with its media links and the camera events within ±`around_s` seconds."""
    cameras = cameras_for(event, snapshot)
    nearby: list[dict[str, Any]] = []
    truncated = False
    if cameras:
        ts = datetime.fromisoformat(str(event["ts"]))
        window = timedelta(seconds=around_s)
        page = ledger.search_events(EventQuery(
            site=str(event["site"]), kind="camera", devices=cameras, since=ts - window,
            # `until` is exclusive: a microsecond past the window keeps its far edge in.
            until=ts + window + timedelta(microseconds=1), limit=MAX_CAMERA_EVENTS + 1,
        ))
        nearby = [item for item in page.items if item["id"] != event["id"]]
        truncated = len(nearby) > MAX_CAMERA_EVENTS or page.next_cursor is not None
        nearby = nearby[:MAX_CAMERA_EVENTS][::-1]  # oldest first, as one reads a timeline
    stored = ledger.media_paths([ref["sha256"] for item in [event, *nearby]
                                 for ref in _media_refs(item)])
    return EventDetailOut(
        event=event, media=media_links(event, stored), around_s=around_s,
        cameras=list(cameras),
        camera_events=[CameraEventOut(event=item, media=media_links(item, stored))
                       for item in nearby],
        truncated=truncated,
    )


def media_links(event: Mapping[str, Any], stored: Iterable[str]) -> list[MediaLinkOut]:
    """Links to an event's media; `stored` holds the hashes the hub has the bytes of."""
    have = set(stored)
    return [
        MediaLinkOut(
            sha256=ref["sha256"], content_type=ref["content_type"], role=ref["role"],
            url=MEDIA_URL.format(sha256=ref["sha256"]), stored=ref["sha256"] in have,
        )
        for ref in _media_refs(event)
    ]


def _media_refs(event: Mapping[str, Any]) -> list[dict[str, Any]]:
    refs: list[dict[str, Any]] = event.get("media") or []
    return refs
