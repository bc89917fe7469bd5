"""The audit log: who searched, viewed and exported what; and a check of its hash chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from hub.api.deps import AuditTrailDep
from hub.api.schemas_access import AuditEntryOut, AuditPageOut, AuditVerifyOut

router = APIRouter(tags=["audit log"])


@router.get("/audit-log", response_model=AuditPageOut)
async def list_audit_log(
    trail: AuditTrailDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[int | None, Query(ge=1, description="entries with a smaller id")] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> AuditPageOut:
    """Newest entries first; the read is itself recorded."""
    records = await run_in_threadpool(trail.log.page, limit, before, actor, action)
    await trail.record("audit.list", None, limit=limit, before=before, actor=actor, action=action)
    next_before = records[-1].id if len(records) == limit else None
    return AuditPageOut(items=[AuditEntryOut.of(r) for r in records], next_before=next_before)


@router.get("/audit-log/verify", response_model=AuditVerifyOut)
async def verify_audit_log(trail: AuditTrailDep) -> AuditVerifyOut:
    """Walk the whole chain: intact, or the first bad entry and why."""
    verdict = await run_in_threadpool(trail.log.verify)
    await trail.record("audit.verify", None, ok=verdict.ok, first_bad=verdict.first_bad)
    return AuditVerifyOut.of(verdict)
