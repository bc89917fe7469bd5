"""Sites: occupancy now, and each site's grade from its measured operation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.concurrency import run_in_threadpool

from hub.api.deps import AuditTrailDep
from hub.api.schemas_stats import GradeOut, OccupancyOut, SiteOccupancyOut
from hub.api.stats_deps import StatsDep, visible_site, visible_sites

router = APIRouter(tags=["sites"])


@router.get("/occupancy", response_model=OccupancyOut)
async def occupancy(
    stats: StatsDep,
    trail: AuditTrailDep,
    site: Annotated[str | None, Query(max_length=64, description="one site only")] = None,
) -> OccupancyOut:
    """Persons on each site and in each building now (a property manager: their sites)."""
    if site is not None:
        await visible_site(trail, stats, site)
    sites = [site] if site is not None else visible_sites(trail, stats)
    found = stats.occupancy_now(sites)
    return OccupancyOut(at=stats.clock(), sites=[SiteOccupancyOut.of(s) for s in found])


@router.get("/sites/{site}/grade", response_model=GradeOut)
async def site_grade(
    stats: StatsDep, trail: AuditTrailDep, site: Annotated[str, Path(max_length=64)]
) -> GradeOut:
    """The site's grade over the grading window, with the reasons it lost points."""
    await visible_site(trail, stats, site)
    grade = await run_in_threadpool(stats.grade, site)
    if grade is None:
        raise HTTPException(404, f"no site {site} in the registry")
    return GradeOut.of(grade)
