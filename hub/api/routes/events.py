"""Events: search with cursor pagination, and one event by id."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool

from hub.api.deps import LedgerDep
from hub.api.schemas import EventPageOut
from hub.records import EventQuery

router = APIRouter(tags=["events"])

Kind = Literal["place_scan", "access", "camera", "vehicle", "sensor"]


@router.get("/events", response_model=EventPageOut)
async def search_events(
    ledger: LedgerDep,
    since: Annotated[datetime | None, Query(description="from this time (inclusive)")] = None,
    until: Annotated[datetime | None, Query(description="until this time (exclusive)")] = None,
    site: Annotated[str | None, Query(max_length=64)] = None,
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
        since=since, until=until, site=site, gateway=gateway, device=device, kind=kind,
        subject=subject, limit=limit, cursor=cursor,
    )
    try:
        page = await run_in_threadpool(ledger.search_events, query)
    except ValueError as exc:  # a malformed cursor
        raise HTTPException(422, str(exc)) from None
    return EventPageOut(items=page.items, next_cursor=page.next_cursor)


@router.get("/events/{event_id}")
async def get_event(ledger: LedgerDep, event_id: str) -> dict[str, Any]:
    """One event by its id."""
    event = await run_in_threadpool(ledger.get_event, event_id)
    if event is None:
        raise HTTPException(404, f"no event {event_id}")
    return event
