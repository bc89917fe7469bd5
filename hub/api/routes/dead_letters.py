"""Dead letters: what the hub refused, and why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from hub.api.deps import AuditTrailDep, LedgerDep
from hub.api.schemas import DeadLetterOut, DeadLetterPageOut

router = APIRouter(tags=["dead letters"])


@router.get("/dead-letters", response_model=DeadLetterPageOut)
async def list_dead_letters(
    ledger: LedgerDep,
    trail: AuditTrailDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[int | None, Query(ge=1, description="entries with a smaller id")] = None,
) -> DeadLetterPageOut:
    """Newest dead letters first."""
    views = await run_in_threadpool(ledger.list_dead_letters, limit, before)
    total = await run_in_threadpool(ledger.dead_letter_count)
    # Audited: a payload a gateway got wrong may hold what should never have left it.
    await trail.record("dead_letters.list", None, limit=limit, before=before)
    next_before = views[-1].id if len(views) == limit else None
    return DeadLetterPageOut(
        total=total, items=[DeadLetterOut.of(v) for v in views], next_before=next_before
    )
