"""Enterprises: the board of colours, each one's dossier, and overrides of its colour.

Dossier views and overrides are audited; an override's entry is written in the same
transaction as the override itself (hub.stats.colour_store).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response
from fastapi.concurrency import run_in_threadpool

from hub.api.deps import AuditTrailDep
from hub.api.schemas_stats import BoardEntryOut, ColourOut, ColourOverrideIn, DossierOut
from hub.api.stats_deps import StatsDep, enterprise_site, visible_site, visible_sites
from hub.stats.views import board, dossier, in_force

router = APIRouter(tags=["enterprises"])

IdPath = Annotated[str, Path(min_length=1, max_length=64)]
SiteQuery = Annotated[
    str | None, Query(max_length=64, description="the enterprise's site, if ids repeat")
]


@router.get("/enterprises", response_model=list[BoardEntryOut])
async def list_enterprises(
    stats: StatsDep,
    trail: AuditTrailDep,
    site: Annotated[str | None, Query(max_length=64, description="one site only")] = None,
) -> list[BoardEntryOut]:
    """Every enterprise of the caller's sites: colour, reasons, head-count trend."""
    if site is not None:
        await visible_site(trail, stats, site)
    sites = [site] if site is not None else visible_sites(trail, stats)
    entries = await run_in_threadpool(board, stats, sites)
    return [BoardEntryOut.of(entry) for entry in entries]


@router.get("/enterprises/{enterprise_id}", response_model=DossierOut)
async def get_dossier(
    stats: StatsDep, trail: AuditTrailDep, enterprise_id: IdPath, site: SiteQuery = None
) -> DossierOut:
    """An enterprise's dossier: record, colour with reasons and history, figures, tenant
    records and recent alarms. Audited."""
    site = await enterprise_site(trail, stats, enterprise_id, site)
    found = await run_in_threadpool(dossier, stats, site, enterprise_id)
    if found is None:
        raise HTTPException(404, f"no enterprise {enterprise_id} at {site}")
    await trail.record("enterprise.view", f"{site}/{enterprise_id}", site=site)
    return DossierOut.of(found)


@router.put("/enterprises/{enterprise_id}/colour-override", response_model=ColourOut)
async def put_colour_override(
    stats: StatsDep, trail: AuditTrailDep, enterprise_id: IdPath, body: ColourOverrideIn,
    site: SiteQuery = None,
) -> ColourOut:
    """Set the enterprise's colour by hand, until `until` or until cleared. Audited."""
    if body.until is not None and (body.until.tzinfo is None or body.until <= stats.clock()):
        raise HTTPException(422, "until must be in the future, with a UTC offset")
    site = await enterprise_site(trail, stats, enterprise_id, site)
    record = await run_in_threadpool(
        stats.set_override, site, enterprise_id, body.colour, body.reason, body.until,
        trail.principal,
    )
    return ColourOut.of(site, enterprise_id, record, in_force(record, stats.clock()))


@router.delete("/enterprises/{enterprise_id}/colour-override", status_code=204)
async def delete_colour_override(
    stats: StatsDep, trail: AuditTrailDep, enterprise_id: IdPath, site: SiteQuery = None
) -> Response:
    """Clear the override: the assessed colour is in force again. Audited."""
    site = await enterprise_site(trail, stats, enterprise_id, site)
    record = await run_in_threadpool(stats.clear_override, site, enterprise_id, trail.principal)
    if record is None:
        raise HTTPException(404, f"enterprise {enterprise_id} at {site} has no override")
    return Response(status_code=204)
