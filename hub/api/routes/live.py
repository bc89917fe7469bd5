"""The live stream: new events, alarm changes and gateway statuses as server-sent events.

Each message is `event: event|alarm|gateway`, `id:` and `data:` (JSON: the event as the
search shows it, `{"change", "alarm"}`, or the gateway status). `event: dropped` says the
client read too slowly and lost items (`{"dropped": n}`), or reconnected (`null`): either
way it should refetch through the search API. Nothing is replayed on reconnect.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from sse_starlette import EventSourceResponse

from hub.access import Principal
from hub.api.deps import AuditTrail, AuditTrailDep, hub_state
from hub.live import LiveFilter, LiveHub, TooManySubscribers
from hub.live_items import comment_message, dropped_message

router = APIRouter(tags=["live"])

Kind = Literal["place_scan", "access", "camera", "vehicle", "sensor"]
# The query names the streams in the plural; the messages name one item.
_TYPES = {"events": "event", "alarms": "alarm", "gateways": "gateway"}


@router.get(
    "/live",
    response_class=EventSourceResponse,
    responses={200: {"description": "the stream", "content": {"text/event-stream": {}}}},
)
async def live_stream(
    request: Request,
    trail: AuditTrailDep,
    site: Annotated[
        list[str] | None, Query(max_length=64, description="only these sites (repeatable)")
    ] = None,
    kind: Annotated[list[Kind] | None, Query(description="only events of these kinds")] = None,
    types: Annotated[
        str, Query(max_length=40, description="comma-separated: events, alarms, gateways")
    ] = "events,alarms,gateways",
) -> EventSourceResponse:
    """Server-sent events as they are committed (a property manager: of their sites)."""
    live: LiveHub | None = hub_state(request).live
    if live is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "this hub has no live stream")
    wanted = LiveFilter(
        types=_item_types(types),
        sites=await _visible_sites(trail, site),
        kinds=frozenset(kind) if kind else None,
    )
    if live.subscriber_count >= live.max_subscribers:  # checked again when subscribing
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "too many live streams open")
    await trail.record(
        "live.open", None, types=sorted(wanted.types),
        sites=sorted(wanted.sites) if wanted.sites is not None else None,
        kinds=sorted(wanted.kinds) if wanted.kinds is not None else None,
    )
    reconnected = request.headers.get("last-event-id") is not None
    return EventSourceResponse(
        _messages(live, wanted, reconnected), ping=live.ping_s, sep="\n"
    )


async def _messages(live: LiveHub, wanted: LiveFilter, reconnected: bool) -> AsyncIterator[bytes]:
    """The stream's chunks: a batch of items at a time, so a burst is one write."""
    # Subscribed here, not in the route: only a generator that has started runs its
    # `finally`, so only here is the unsubscription certain.
    try:
        subscription = live.subscribe(wanted)
    except TooManySubscribers:  # lost a race for the last place since the route checked
        yield comment_message("too many live streams open")
        return
    try:
        # Tells the client that everything committed from now on will arrive.
        yield comment_message("subscribed")
        if reconnected:
            yield dropped_message(None)
        while (batch := await subscription.next_batch()) is not None:
            chunk = b"".join(item.message() for item in batch.items)
            if batch.dropped:
                chunk = dropped_message(batch.dropped) + chunk
            yield chunk
    finally:
        live.unsubscribe(subscription)


def _item_types(types: str) -> frozenset[str]:
    names = {name.strip() for name in types.split(",") if name.strip()}
    unknown = names - set(_TYPES)
    if unknown or not names:
        raise HTTPException(422, f"types: use some of {', '.join(_TYPES)}")
    return frozenset(_TYPES[name] for name in names)


async def _visible_sites(trail: AuditTrail, sites: list[str] | None) -> frozenset[str] | None:
    """The sites a stream may carry: what was asked, narrowed to a manager's own sites."""
    principal: Principal = trail.principal
    if not principal.site_scoped:
        return frozenset(sites) if sites else None
    if not sites:
        return frozenset(principal.sites)
    for site in sites:
        if not principal.may_see_site(site):
            await trail.deny(f"site {site} is not one you manage", site)
    return frozenset(sites)
