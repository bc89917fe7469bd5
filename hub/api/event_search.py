"""From the filters a user gave to the ledger query the hub runs: their sites, pseudonyms.

A raw ID number is turned into the pseudonym events carry, with the site's key, and
dropped: the query, the audit entry and every error message hold the pseudonym and the
fact that a number was given, never the number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from fastapi import HTTPException

from hub.api.deps import AuditTrail
from hub.api.schemas_events import EventFilters
from hub.records import EventQuery
from sitewatch.protocol.pseudonym import normalise_identifier, pseudonymise


@dataclass(frozen=True, slots=True)
class ResolvedSearch:
    """The ledger query, and what the audit entry says of it."""

    query: EventQuery
    detail: dict[str, Any]


async def searchable_site(trail: AuditTrail, site: str | None) -> str | None:
    """The site filter a search runs with: a property manager's own sites only."""
    principal = trail.principal
    if not principal.site_scoped:
        return site
    if site is None:
        if len(principal.sites) == 1:
            return principal.sites[0]
        # A search covers one site or all; "all of mine" would need a list filter.
        raise HTTPException(422, f"name a site: you manage {', '.join(principal.sites)}")
    if not principal.may_see_site(site):
        await trail.deny(f"site {site} is not one you manage", site)
    return site


async def resolve_search(
    trail: AuditTrail,
    site_keys: Mapping[str, bytes],
    filters: EventFilters,
    *,
    limit: int | None = None,
    cursor: str | None = None,
    kinds: tuple[str, ...] | None = None,
) -> ResolvedSearch:
    """The query for `filters` as this user may run it; 403/422 when it cannot run.

    Without a `limit` the query is for an export, which pages through every match.
    """
    site = await searchable_site(trail, filters.site)
    subject = filters.subject
    if filters.id_number is not None:
        if subject is not None:
            raise HTTPException(422, "give subject or id_number, not both")
        site, subject = _pseudonym(site_keys, site, filters.id_number.get_secret_value())
    query = EventQuery(
        since=filters.since, until=filters.until, site=site, gateway=filters.gateway,
        device=filters.device, kind=filters.kind, subject=subject,
        enterprise=filters.enterprise, building=filters.building, gate=filters.gate,
        result=filters.result, plate=filters.plate, kinds=kinds, cursor=cursor,
    )
    if limit is not None:
        query = replace(query, limit=limit)
    detail = query_detail(query)
    if limit is None:
        del detail["limit"]  # the query's default, which an export does not use
    if filters.id_number is not None:
        detail["id_number_given"] = True  # the pseudonym is in `subject`
    return ResolvedSearch(query, detail)


def query_detail(query: EventQuery) -> dict[str, Any]:
    """The filters of a query, for an audit entry (unset ones left out)."""
    detail: dict[str, Any] = {}
    for field in fields(query):
        value = getattr(query, field.name)
        if value is not None:
            detail[field.name] = list(value) if isinstance(value, tuple) else value
    return detail


def _pseudonym(site_keys: Mapping[str, bytes], site: str | None, raw: str) -> tuple[str, str]:
    """(site, pseudonym) of a raw ID number; the site is the only keyed one if none was named."""
    if site is None:
        if len(site_keys) != 1:
            raise HTTPException(
                422, "name the site of the ID number: its pseudonym depends on the site's key"
                + ("" if site_keys else ", and the hub holds no site keys"),
            )
        [site] = site_keys
    key = site_keys.get(site)
    if key is None:
        raise HTTPException(422, f"the hub holds no key for site {site}: cannot search by "
                                 "ID number there")
    if not normalise_identifier(raw):
        raise HTTPException(422, "id_number holds no letters or digits")
    return site, pseudonymise(key, raw)
