"""Events: search with cursor pagination, and one event by id; every read is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool

from hub.access import Principal
from hub.api.deps import AuditTrail, AuditTrailDep, LedgerDep
from hub.api.schemas import EventPageOut
from hub.records import EventQuery

router = APIRouter(tags=["events"])

Kind = Literal["place_scan", "access", "camera", "vehicle", "sensor"]


@router.get("/events", response_model=EventPageOut)
async def search_events(
    ledger: LedgerDep,
    trail: AuditTrailDep,
    since: Annotated[datetime | None, Query(description="from this time (inclusive)")] = None,
    until: Annotated[datetime | None, Query(description="until this time (exclusive)")] = None,
    site: Annotated[
        str | None,
        Query(max_length=64, description="required of a property manager with several sites"),
    ] = None,
    gateway: Annotated[str | None, Query(max_length=64)] = None,
    device: Annotated[str | None, Query(max_length=128)] = None,
    kind: Kind | None = None,
    subject: Annotated[
        str | None, Query(pattern=r"^[0-9a-f]{64}$", description="subject pseudonym")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> EventPageOut:
    """Events matching every given filter, newest first."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise HTTPException(422, f"{name} must carry a UTC offset, e.g. 2026-11-22T08:00:00Z")
    query = EventQuery(
        since=since, until=until, site=await _searchable_site(trail, site), gateway=gateway,
        device=device, kind=kind, subject=subject, limit=limit, cursor=cursor,
    )
    try:
        page = await run_in_threadpool(ledger.search_events, query)
    except ValueError as exc:  # a malformed cursor
        raise HTTPException(422, str(exc)) from None
    await trail.record("events.search", query.site, **_query_detail(query),
                       returned=len(page.items))
    return EventPageOut(items=page.items, next_cursor=page.next_cursor)


@router.get("/events/{event_id}")
async def get_event(ledger: LedgerDep, trail: AuditTrailDep, event_id: str) -> dict[str, Any]:
    """One event by its id."""
    event = await run_in_threadpool(ledger.get_event, event_id)
    if event is None:
        raise HTTPException(404, f"no event {event_id}")
    site = str(event.get("site"))
    if not trail.principal.may_see_site(site):
        await trail.deny(f"event {event_id} belongs to a site you do not manage", event_id,
                         site=site)
    await trail.record("event.view", str(event.get("id", event_id)), site=site)
    return event


async def _searchable_site(trail: AuditTrail, site: str | None) -> str | None:
    """The site filter a search runs with: a property manager's own sites only."""
    principal: Principal = trail.principal
    if not principal.site_scoped:
        return site
    if site is None:
        if len(principal.sites) == 1:
            return principal.sites[0]
        # A search covers one site or all; "all of mine" would need a list filter.
        raise HTTPException(422, f"name a site: you manage {', '.join(principal.sites)}")
    if not principal.may_see_site(site):
        await trail.deny(f"site {site} is not one you manage", site)
    return site


def _query_detail(query: EventQuery) -> dict[str, Any]:
    """The filters a search was given, for the audit entry (unset ones left out)."""
    fields = {
        "since": query.since, "until": query.until, "site": query.site,
        "gateway": query.gateway, "device": query.device, "kind": query.kind,
        "subject": query.subject, "limit": query.limit, "cursor": query.cursor,
    }
    return {name: value for name, value in fields.items() if value is not None}
