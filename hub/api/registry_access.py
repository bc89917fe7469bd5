"""Which sites of the registry a user may see, for the registry routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import HTTPException, Path
from fastapi.concurrency import run_in_threadpool

from hub.api.deps import AuditTrail
from hub.registry import RegistryStore
from sitewatch.registry import Site

SitePath = Annotated[str, Path(min_length=1, max_length=64)]


async def visible_site(registry: RegistryStore, trail: AuditTrail, site: str) -> None:
    """404 for an unknown site, 403 (audited) for one a property manager does not manage."""
    if not trail.principal.may_see_site(site):
        await trail.deny(f"site {site} is not one you manage", site)
    if await run_in_threadpool(registry.get, Site, site) is None:
        raise HTTPException(404, f"no site {site} in the registry")
