"""Dependencies of the stats routes: the stats service, and an enterprise's visible site."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from hub.api.deps import AuditTrail, hub_state
from hub.stats import StatsService


def get_stats(request: Request) -> StatsService:
    """The stats service; 503 when the hub runs without it."""
    stats = hub_state(request).stats
    if stats is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            "this hub runs without derived figures")
    return stats


StatsDep = Annotated[StatsService, Depends(get_stats)]


async def visible_site(trail: AuditTrail, stats: StatsService, site: str) -> None:
    """403 (audited) for a site a property manager does not manage; 404 for an unknown one."""
    if not trail.principal.may_see_site(site):
        await trail.deny(f"site {site} is not one you manage", site)
    if site not in stats.live.current.sites:
        raise HTTPException(404, f"no site {site} in the registry")


def visible_sites(trail: AuditTrail, stats: StatsService) -> list[str]:
    """The registered sites the caller may see."""
    return [s for s in stats.live.current.sites if trail.principal.may_see_site(s)]


async def enterprise_site(
    trail: AuditTrail, stats: StatsService, enterprise: str, site: str | None
) -> str:
    """The site of an enterprise the caller may see: `site` if given, else the only one."""
    snapshot = stats.live.current
    if site is not None:
        await visible_site(trail, stats, site)
        if snapshot.enterprise(site, enterprise) is None:
            raise HTTPException(404, f"no enterprise {enterprise} at {site}")
        return site
    found = [s for s in visible_sites(trail, stats) if snapshot.enterprise(s, enterprise)]
    if not found:
        raise HTTPException(404, f"no enterprise {enterprise} at a site you may see")
    if len(found) > 1:
        raise HTTPException(422, f"enterprise {enterprise} is at {', '.join(sorted(found))}: "
                                 "name the site")
    return found[0]
