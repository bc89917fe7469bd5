"""Registry API: sites (the site document), import of files and export; all audited.

Admins write sites; property managers import tenant records of their own sites;
security and police read. Raw ID numbers in an imported file are pseudonymised with
the site's key while it is read and go no further (hub.registry.readers).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool

from hub.api.deps import AuditTrail, AuditTrailDep, hub_state
from hub.api.optional_deps import RegistryDep
from hub.api.registry_access import SitePath, visible_site
from hub.api.schemas_registry import ImportReportOut
from hub.registry import FileRefused, RegistryImport, RegistryRefused, RegistryStore, export
from hub.registry.files import FileKind, only_site, read_import
from sitewatch.registry import Site, SiteRegistry

router = APIRouter(tags=["registry"])

MAX_IMPORT_BYTES = 64 << 20  # a CSV of 100,000 persons is about 10 MiB
_SUFFIXES = {".csv", ".json", ".yaml", ".yml"}
_CSV_KINDS = {"enterprises", "persons", "credentials"}
CsvKind = Literal["enterprises", "persons", "credentials"]


@router.get("/registry/sites")
async def list_sites(registry: RegistryDep, trail: AuditTrailDep) -> list[dict[str, Any]]:
    """Every site with its buildings (a property manager: their own)."""
    sites = await run_in_threadpool(registry.sites)
    mine = [s for s in sites if trail.principal.may_see_site(s.id)]
    await trail.record("registry.list", None, entity="site", returned=len(mine))
    return [s.model_dump(mode="json") for s in mine]


@router.get("/registry/sites/{site}")
async def get_site(registry: RegistryDep, trail: AuditTrailDep, site: SitePath) -> dict[str, Any]:
    """The site document: structure and enterprises (persons and credentials have their
    own, paged, routes)."""
    await visible_site(registry, trail, site)
    document = await run_in_threadpool(registry.document, site, False)
    if document is None:  # deleted in between
        raise HTTPException(404, f"no site {site} in the registry")
    await trail.record("registry.view", site, entity="site", id=site)
    # Left out rather than shown empty: an empty list would read as "nobody".
    return {k: v for k, v in export.document_data(document).items()
            if k not in ("persons", "credentials")}


@router.put("/registry/sites/{site}", response_model=ImportReportOut)
async def put_site(
    registry: RegistryDep, trail: AuditTrailDep, site: SitePath, body: SiteRegistry
) -> ImportReportOut:
    """Store a site document: its structure replaces the stored one, its enterprises are
    added or updated (others kept), its persons and credentials judged one by one."""
    if body.site.id != site:
        raise HTTPException(422, f"the document describes site {body.site.id}, not {site}")
    report = await _apply(registry, RegistryImport.of_document(body))
    await trail.record("registry.put", site, entity="site", id=site,
                       accepted=dict(report.accepted), rejected=len(report.rejected))
    return report


@router.delete("/registry/sites/{site}", status_code=204)
async def delete_site(registry: RegistryDep, trail: AuditTrailDep, site: SitePath) -> Response:
    """Delete a site with everything in it."""
    if not await run_in_threadpool(registry.delete, Site, site):
        raise HTTPException(404, f"no site {site} in the registry")
    await trail.record("registry.delete", site, entity="site", id=site)
    return Response(status_code=204)


@router.post("/registry/import", response_model=ImportReportOut)
async def import_file(
    request: Request,
    registry: RegistryDep,
    trail: AuditTrailDep,
    file: Annotated[UploadFile, File(description="a site document, tenant records or a CSV")],
    kind: Annotated[FileKind | None, Form(description="guessed from the file when not given")]
    = None,
    site: Annotated[str | None, Form(max_length=64, description="the site of a CSV file")]
    = None,
) -> ImportReportOut:
    """Import a file in one transaction; the report names every rejected row and why."""
    data = await file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise HTTPException(413, f"an import file may hold {MAX_IMPORT_BYTES >> 20} MiB at most")
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in _SUFFIXES:  # the readers tell CSV, JSON and YAML apart by suffix
        suffix = ".csv" if kind in _CSV_KINDS else ".yaml"
    keys = hub_state(request).site_keys

    def csv_site() -> str:  # asked only of a CSV file: a document names its site
        return site or _default_site(trail, registry)

    try:
        batch = await run_in_threadpool(_read_upload, data, suffix, kind, csv_site, keys)
    except (FileRefused, RegistryRefused) as exc:
        raise HTTPException(422, str(exc)) from None
    if not trail.principal.may_see_site(batch.site):
        await trail.deny(f"site {batch.site} is not one you manage", batch.site)
    if batch.document is not None and trail.principal.role != "admin":
        await trail.deny("only an admin may import a site document", batch.site)
    report = await _apply(registry, batch)
    await trail.record("registry.import", batch.site, kind=kind, structure=report.structure,
                       accepted=dict(report.accepted), rejected=len(report.rejected))
    return report


@router.get("/registry/export", responses={200: {"content": {"text/csv": {}}}})
async def export_site(
    registry: RegistryDep,
    trail: AuditTrailDep,
    site: Annotated[str | None, Query(max_length=64, description="default: the only one")]
    = None,
    format_: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
    kind: Annotated[CsvKind | None, Query(description="which CSV file (format=csv)")] = None,
) -> Response:
    """The site document with its persons and credentials (JSON), or one CSV file; both
    read back with the import. Pseudonyms only: raw numbers are never stored."""
    target = site if site is not None else await run_in_threadpool(_default_site, trail, registry)
    await visible_site(registry, trail, target)
    if (format_ == "csv") != (kind is not None):
        raise HTTPException(422, "kind (enterprises, persons or credentials) goes with "
                                 "format=csv, and only with it")
    document = await run_in_threadpool(registry.document, target, True)
    if document is None:
        raise HTTPException(404, f"no site {target} in the registry")
    await trail.record("registry.export", target, format=format_, kind=kind)
    if kind is None:
        return Response(export.document_json(document), media_type="application/json")
    if kind == "enterprises":
        text = export.enterprises_csv(document.enterprises)
    elif kind == "persons":
        text = export.persons_csv(document.persons)
    else:
        text = export.credentials_csv(document.credentials)
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'})


def _default_site(trail: AuditTrail, registry: RegistryStore) -> str:
    """The site meant when none is named: a manager's only site, or the registry's only one."""
    principal = trail.principal
    if principal.site_scoped and len(principal.sites) == 1:
        return principal.sites[0]
    try:
        return only_site(registry)
    except RegistryRefused as exc:
        raise HTTPException(422, str(exc).replace("(--site)", "")) from None


def _read_upload(
    data: bytes, suffix: str, kind: FileKind | None, site: Callable[[], str],
    keys: Mapping[str, bytes],
) -> RegistryImport:
    """The import an uploaded file holds (read with the CLI's reader, from a temp file)."""
    with tempfile.TemporaryDirectory(prefix="sitewatch-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        # The keys are UTF-8 text in the settings (hub.bootstrap encodes them).
        return read_import(path, kind, site,
                           lambda s: keys[s].decode("utf-8") if s in keys else None)


async def _apply(registry: RegistryStore, batch: RegistryImport) -> ImportReportOut:
    try:
        report = await run_in_threadpool(registry.apply, batch)
    except RegistryRefused as exc:
        raise HTTPException(422, str(exc)) from None
    return ImportReportOut.of(report)
