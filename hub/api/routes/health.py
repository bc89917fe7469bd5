"""Liveness and readiness probes, outside the versioned prefix."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from hub.api.schemas import ReadinessOut

router = APIRouter(tags=["probes"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz", response_model=ReadinessOut)
async def readyz(request: Request, response: Response) -> ReadinessOut:
    """Ready when the ledger answers and the broker connection is up; 503 otherwise."""
    state = request.app.state.hub
    try:
        await run_in_threadpool(state.ledger.ping)
        ledger = "ok"
    except Exception as exc:  # any failure means not ready; say which
        ledger = f"unreachable: {type(exc).__name__}"
    broker = "connected" if state.broker_connected() else "disconnected"
    ready = ledger == "ok" and broker == "connected"
    if not ready:
        response.status_code = 503
    return ReadinessOut(ready=ready, ledger=ledger, broker=broker)
