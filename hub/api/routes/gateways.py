"""Gateways: status, last contact, last sequence number and gaps."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from hub.api.deps import CurrentUser, LedgerDep
from hub.api.schemas import GatewayOut

router = APIRouter(tags=["gateways"])


@router.get("/gateways", response_model=list[GatewayOut])
async def list_gateways(ledger: LedgerDep, user: CurrentUser) -> list[GatewayOut]:
    """Every gateway the hub has heard of (a property manager: of their sites)."""
    views = await run_in_threadpool(ledger.list_gateways)
    return [GatewayOut.of(view) for view in views if user.may_see_site(view.site)]
