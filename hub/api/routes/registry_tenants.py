"""Registry API: a site's enterprises, persons and credentials, by natural id; all audited.

Admins edit every site, property managers their own; security and police read. Persons
and credentials go by pseudonym: a raw ID number never reaches these routes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Response
from fastapi.concurrency import run_in_threadpool

from hub.api.deps import AuditTrail, AuditTrailDep
from hub.api.optional_deps import RegistryDep
from hub.api.registry_access import SitePath, visible_site
from hub.registry import RegistryRefused, RegistryStore
from hub.registry.edits import natural_key
from sitewatch.registry import Credential, CredentialType, Enterprise, Person
from sitewatch.registry.base import RegistryModel

router = APIRouter(tags=["registry"])

IdPath = Annotated[str, Path(min_length=1, max_length=64)]
PseudonymPath = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
Tenant = Enterprise | Person | Credential
PREFIX = "/registry/sites/{site}"


@router.get(PREFIX + "/enterprises")
async def list_enterprises(
    registry: RegistryDep, trail: AuditTrailDep, site: SitePath
) -> list[dict[str, Any]]:
    """The site's enterprises, by id."""
    await visible_site(registry, trail, site)
    found = await run_in_threadpool(registry.entities, Enterprise, site)
    await trail.record("registry.list", site, entity="enterprise", returned=len(found))
    return [e.model_dump(mode="json") for e in found]


@router.get(PREFIX + "/enterprises/{enterprise_id}")
async def get_enterprise(
    registry: RegistryDep, trail: AuditTrailDep, site: SitePath, enterprise_id: IdPath
) -> dict[str, Any]:
    """One enterprise."""
    return await _get(registry, trail, Enterprise, site, enterprise_id)


@router.put(PREFIX + "/enterprises/{enterprise_id}")
async def put_enterprise(
    registry: RegistryDep, trail: AuditTrailDep, site: SitePath, enterprise_id: IdPath,
    body: Enterprise,
) -> dict[str, Any]:
    """Add or replace an enterprise; its building and floor must exist."""
    return await _put(registry, trail, site, (enterprise_id,), body)


@router.delete(PREFIX + "/enterprises/{enterprise_id}", status_code=204)
async def delete_enterprise(
    registry: RegistryDep, trail: AuditTrailDep, site: SitePath, enterprise_id: IdPath
) -> Response:
    """Delete an enterprise; 409 while persons still belong to it."""
    return await _delete(registry, trail, Enterprise, site, enterprise_id)


@router.get(PREFIX + "/persons")
async def list_persons(
    registry: RegistryDep, trail: AuditTrailDep, site: SitePath,
    after: Annotated[str | None, Query(pattern=r"^[0-9a-f]{64}$",
                                       description="the last pseudonym of the page before")]
    = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """A page of the site's persons, by pseudonym."""
    await visible_site(registry, trail, site)
    key = () if after is None else (after,)
    found = await run_in_threadpool(registry.people, Person, site, key, limit)
    await trail.record("registry.list", site, entity="person", after=after, limit=limit,
                       returned=len(found))
    return [p.model_dump(mode="json") for p in found]


@router.get(PREFIX + "/persons/{pseudonym}")
async def get_person(
    registry: RegistryDep, trail: AuditTrailDep, site: SitePath, pseudonym: PseudonymPath
) -> dict[str, Any]:
    """One person."""
    return await _get(registry, trail, Person, site, pseudonym)


@router.put(PREFIX + "/persons/{pseudonym}")
async def put_person(
    registry: RegistryDep, trail: AuditTrailDep, site: SitePath, pseudonym: PseudonymPath,
    body: Person,
) -> dict[str, Any]:
    """Add or replace a person; their enterprise must exist."""
    return await _put(registry, trail, site, (pseudonym,), body)


@router.delete(PREFIX + "/persons/{pseudonym}", status_code=204)
async def delete_person(
    registry: RegistryDep, trail: AuditTrailDep, site: SitePath, pseudonym: PseudonymPath
) -> Response:
    """Delete a person and their credentials."""
    return await _delete(registry, trail, Person, site, pseudonym)


@router.get(PREFIX + "/credentials")
async def list_credentials(
    registry: RegistryDep, trail: AuditTrailDep, site: SitePath,
    after_type: Annotated[CredentialType | None, Query(description="with after_ref: the "
                                                       "last credential of the page before")]
    = None,
    after_ref: Annotated[str | None, Query(pattern=r"^[0-9a-f]{64}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """A page of the site's credentials, by type and reference."""
    await visible_site(registry, trail, site)
    if (after_type is None) != (after_ref is None):
        raise HTTPException(422, "give after_type and after_ref together")
    key = () if after_type is None or after_ref is None else (after_type, after_ref)
    found = await run_in_threadpool(registry.people, Credential, site, key, limit)
    await trail.record("registry.list", site, entity="credential", limit=limit,
                       returned=len(found))
    return [c.model_dump(mode="json") for c in found]


@router.get(PREFIX + "/credentials/{credential_type}/{ref}")
async def get_credential(
    registry: RegistryDep, trail: AuditTrailDep, site: SitePath, credential_type: CredentialType,
    ref: PseudonymPath,
) -> dict[str, Any]:
    """One credential."""
    return await _get(registry, trail, Credential, site, credential_type, ref)


@router.put(PREFIX + "/credentials/{credential_type}/{ref}")
async def put_credential(
    registry: RegistryDep, trail: AuditTrailDep, site: SitePath, credential_type: CredentialType,
    ref: PseudonymPath, body: Credential,
) -> dict[str, Any]:
    """Add or replace a credential; its person must exist."""
    return await _put(registry, trail, site, (credential_type, ref), body)


@router.delete(PREFIX + "/credentials/{credential_type}/{ref}", status_code=204)
async def delete_credential(
    registry: RegistryDep, trail: AuditTrailDep, site: SitePath, credential_type: CredentialType,
    ref: PseudonymPath,
) -> Response:
    """Delete a credential."""
    return await _delete(registry, trail, Credential, site, credential_type, ref)


def entity_name(kind: type[RegistryModel]) -> str:
    """What the audit log calls an entity of this kind."""
    return kind.__name__.lower()


async def _get(
    registry: RegistryStore, trail: AuditTrail, kind: type[Tenant], site: str, *key: str
) -> dict[str, Any]:
    await visible_site(registry, trail, site)
    found = await run_in_threadpool(registry.get, kind, site, *key)
    if found is None:
        raise HTTPException(404, f"no {entity_name(kind)} {'/'.join(key)} in site {site}")
    await trail.record("registry.view", site, entity=entity_name(kind), id="/".join(key))
    return found.model_dump(mode="json")


async def _put(
    registry: RegistryStore, trail: AuditTrail, site: str, key: tuple[str, ...], body: Tenant
) -> dict[str, Any]:
    await visible_site(registry, trail, site)
    if natural_key(body) != key:
        raise HTTPException(422, f"the body names {'/'.join(natural_key(body))}, "
                                 f"the path {'/'.join(key)}")
    try:
        await run_in_threadpool(registry.upsert, site, body)
    except RegistryRefused as exc:
        raise HTTPException(422, str(exc)) from None
    await trail.record("registry.put", site, entity=entity_name(type(body)), id="/".join(key))
    return body.model_dump(mode="json")


async def _delete(
    registry: RegistryStore, trail: AuditTrail, kind: type[Tenant], site: str, *key: str
) -> Response:
    await visible_site(registry, trail, site)
    try:
        deleted = await run_in_threadpool(registry.delete, kind, site, *key)
    except RegistryRefused as exc:  # something still refers to it
        raise HTTPException(409, str(exc)) from None
    if not deleted:
        raise HTTPException(404, f"no {entity_name(kind)} {'/'.join(key)} in site {site}")
    await trail.record("registry.delete", site, entity=entity_name(kind), id="/".join(key))
    return Response(status_code=204)
