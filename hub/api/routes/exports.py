"""Exports: the investigation zip and the access-audit CSV, each audited before it leaves."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from hub.api.deps import AuditTrailDep, LedgerDep, hub_state
from hub.api.event_search import resolve_search
from hub.api.schemas_events import EventFilters, InvestigationRequest
from hub.exports import PASSAGE_KINDS, TooManyEvents, access_csv_chunks, write_investigation_zip

router = APIRouter(tags=["exports"])

_CHUNK = 1 << 16
_ZIP_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/zip": {}}, "description": "the zip, streamed"},
    413: {"description": "more events match than one export may hold"},
}


@router.post("/exports/investigation", response_class=StreamingResponse,
             responses=_ZIP_RESPONSES)
async def export_investigation(
    request: Request, ledger: LedgerDep, trail: AuditTrailDep, body: InvestigationRequest
) -> StreamingResponse:
    """A zip of the matching events (JSON and CSV), their media and a SHA-256 manifest.

    The zip is built first, in a temporary file, so the audit entry can name its hash
    before the first byte leaves; the `X-Content-SHA256` header carries it too.
    """
    state = hub_state(request)
    resolved = await resolve_search(trail, state.site_keys, body)
    now = datetime.now(UTC)
    about = {
        "exported_at": now.isoformat(), "exported_by": trail.principal.username,
        "role": trail.principal.role, "case_reference": body.case_reference,
        "filters": resolved.detail,
    }
    # Anonymous, so gone once closed whatever happens; it outlives this function (the
    # response streams and closes it), hence no `with`.
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        written = await run_in_threadpool(
            write_investigation_zip, ledger, resolved.query, spool, about,
            state.export_max_events,
        )
    except TooManyEvents as exc:
        spool.close()
        await trail.record("exports.investigation.refused", resolved.query.site,
                           **resolved.detail, reason=str(exc))
        raise HTTPException(413, str(exc)) from None
    except BaseException:
        spool.close()
        raise
    await trail.record(
        "exports.investigation", resolved.query.site, **resolved.detail,
        case_reference=body.case_reference, events=written.events, media=written.media,
        media_missing=len(written.media_missing), zip_sha256=written.sha256,
        zip_bytes=written.size, manifest_sha256=written.manifest_sha256,
    )
    name = f"investigation-{now.strftime('%Y%m%dT%H%M%SZ')}.zip"
    return StreamingResponse(
        _file_chunks(spool), media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Content-Length": str(written.size), "X-Content-SHA256": written.sha256},
    )


@router.get("/exports/access.csv", response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}}, "description": "the CSV, streamed"}})
async def export_access_csv(
    ledger: LedgerDep,
    trail: AuditTrailDep,
    since: Annotated[AwareDatetime | None, Query(description="from (inclusive)")] = None,
    until: Annotated[AwareDatetime | None, Query(description="until (exclusive)")] = None,
    site: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    enterprise: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    building: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> StreamingResponse:
    """Every passage (access, place scan, vehicle) matching the filters, newest first.

    Streamed page by page from the ledger: never the whole result in memory.
    """
    filters = EventFilters(since=since, until=until, site=site, enterprise=enterprise,
                           building=building)
    resolved = await resolve_search(trail, {}, filters, kinds=PASSAGE_KINDS)
    await trail.record("exports.access_csv", resolved.query.site, **resolved.detail)
    return StreamingResponse(
        access_csv_chunks(ledger, resolved.query), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="access.csv"'},
    )


def _file_chunks(spool: IO[bytes]) -> Iterator[bytes]:
    """The spool's bytes; closing it (and so deleting it) at the end or on disconnect."""
    with spool:
        while chunk := spool.read(_CHUNK):
            yield chunk
