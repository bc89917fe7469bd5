"""Media by hash: the snapshot or clip bytes, as the gateway sent them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from hub.api.deps import AuditTrailDep, LedgerDep

router = APIRouter(tags=["media"])


@router.get("/media/{sha256}", response_class=FileResponse)
async def get_media(
    ledger: LedgerDep,
    trail: AuditTrailDep,
    sha256: Annotated[str, PathParam(pattern=r"^[0-9a-f]{64}$")],
) -> FileResponse:
    """The stored bytes of one media object (the hub does not keep their content type)."""
    stored = await run_in_threadpool(ledger.media_path, sha256)
    if stored is None or not Path(stored).is_file():
        raise HTTPException(404, f"no media {sha256}")
    await trail.record("media.view", sha256)
    return FileResponse(stored, media_type="application/octet-stream")
