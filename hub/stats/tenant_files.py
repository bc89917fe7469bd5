"""Tenant-record files into the ledger database: the `sitewatch registry import` side."""

from __future__ import annotations

import csv
from pathlib import Path

from hub.ledger.engine import create_ledger_engine
from hub.registry.files import only_site
from hub.registry.readers import FileRefused
from hub.registry.store import RegistryStore
from hub.stats.tenant_import import read_tenant_csv, tenant_csv_kind
from hub.stats.tenant_records import RECORD_KINDS, RecordKind, TenantRecordsReport
from hub.stats.tenant_store import TenantRecordStore


def tenant_file_kind(path: Path, kind: str | None) -> RecordKind | None:
    """The tenant records a file holds: `kind` if it names them, else judged by a CSV
    file's columns; None for any other file (a registry import)."""
    for known in RECORD_KINDS:
        if kind == known:
            return known
    if kind is not None or path.suffix.lower() != ".csv":
        return None
    with path.open(encoding="utf-8-sig", newline="") as file:
        return tenant_csv_kind(next(csv.reader(file), []))


def import_tenant_file(
    url: str, path: Path, kind: RecordKind, site: str | None
) -> TenantRecordsReport:
    """Migrate the database at `url` and import a CSV file of tenant records into `site`
    (default: the registry's only site). FileRefused, RegistryRefused as a whole."""
    if path.suffix.lower() != ".csv":
        raise FileRefused(f"{path.name}: {kind} are imported from CSV files")
    engine = create_ledger_engine(url)
    try:
        registry = RegistryStore(engine)
        registry.migrate()
        batch = read_tenant_csv(kind, path.read_text(encoding="utf-8-sig"),
                                site or only_site(registry))
        return TenantRecordStore(engine).apply(batch)
    finally:
        engine.dispose()
