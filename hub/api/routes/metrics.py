"""Prometheus metrics, outside the versioned prefix and open like the probes.

Open because a scraper cannot sign in: the API's bearer tokens expire (8 h by default) and
Prometheus holds a static credential. What it shows is counts without a site, tenant or
person in any label (see hub.metrics); where even volumes are sensitive, the API's
address is kept on the operators' network or /metrics is closed at the reverse proxy.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from hub.api.deps import hub_state
from hub.metrics import CONTENT_TYPE, exposition

router = APIRouter(tags=["probes"])


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """The hub's counters in Prometheus' text format."""
    # On a worker thread: gateways and unresolved alarms are read from the database.
    body = await run_in_threadpool(exposition, hub_state(request))
    return Response(body, media_type=CONTENT_TYPE)
