"""Events: search with cursor pagination, and one event with its evidence; all audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from hub.api.deps import AuditTrail, AuditTrailDep, LedgerDep, hub_state
from hub.api.event_evidence import event_detail
from hub.api.event_search import resolve_search
from hub.api.schemas import EventPageOut
from hub.api.schemas_events import EventDetailOut, EventSearchParams
from hub.ledger import Ledger
from hub.registry.snapshot import EMPTY_SNAPSHOT

router = APIRouter(tags=["events"])


@router.get("/events", response_model=EventPageOut)
async def search_events(
    request: Request,
    ledger: LedgerDep,
    trail: AuditTrailDep,
    params: Annotated[EventSearchParams, Query()],
) -> EventPageOut:
    """Events matching every given filter, newest first."""
    return await _search(request, ledger, trail, params)


@router.post("/events/search", response_model=EventPageOut)
async def search_events_by_body(
    request: Request, ledger: LedgerDep, trail: AuditTrailDep, params: EventSearchParams
) -> EventPageOut:
    """The same search with the filters in the body: a raw ID number stays out of URLs,
    which proxies and browsers keep in their logs and histories."""
    return await _search(request, ledger, trail, params)


@router.get("/events/{event_id}", response_model=EventDetailOut)
async def get_event(
    request: Request,
    ledger: LedgerDep,
    trail: AuditTrailDep,
    event_id: str,
    around_s: Annotated[
        int, Query(ge=0, le=3600, description="camera events within this many seconds")
    ] = 60,
) -> EventDetailOut:
    """One event by its id, its media, and the camera events at its gate around it."""
    event = await run_in_threadpool(ledger.get_event, event_id)
    if event is None:
        raise HTTPException(404, f"no event {event_id}")
    site = str(event.get("site"))
    if not trail.principal.may_see_site(site):
        await trail.deny(f"event {event_id} belongs to a site you do not manage", event_id,
                         site=site)
    live = hub_state(request).live_registry
    snapshot = EMPTY_SNAPSHOT if live is None else live.current
    detail = await run_in_threadpool(event_detail, ledger, event, snapshot, around_s)
    await trail.record("event.view", str(event.get("id", event_id)), site=site,
                       around_s=around_s, camera_events=len(detail.camera_events))
    return detail


async def _search(
    request: Request, ledger: Ledger, trail: AuditTrail, params: EventSearchParams
) -> EventPageOut:
    resolved = await resolve_search(
        trail, hub_state(request).site_keys, params, limit=params.limit, cursor=params.cursor
    )
    try:
        page = await run_in_threadpool(ledger.search_events, resolved.query)
    except ValueError as exc:  # a malformed cursor
        raise HTTPException(422, str(exc)) from None
    await trail.record("events.search", resolved.query.site, **resolved.detail,
                       returned=len(page.items))
    return EventPageOut(items=page.items, next_cursor=page.next_cursor)
