"""CSV files of tenant records into imports: each row validated on its own.

A bad row becomes a rejection with its row number (the header is row 1, as spreadsheets
show it) and the reason; the other rows go on. Only a file whose columns are wrong is
refused as a whole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from pydantic import ValidationError

from hub.registry.readers import FileRefused, describe
from hub.stats.tenant_records import (
    RECORD_KINDS,
    RECORD_MODELS,
    RecordKind,
    RecordRejection,
    TenantRecordsImport,
)

COLUMNS: dict[RecordKind, tuple[str, ...]] = {
    "rent": ("enterprise", "due_date", "amount", "paid_date", "note"),
    "complaints": ("id", "enterprise", "received_on", "category", "summary", "closed_on"),
    "disputes": ("id", "enterprise", "opened_on", "kind", "summary", "resolved_on"),
}
REQUIRED: dict[RecordKind, tuple[str, ...]] = {
    "rent": ("enterprise", "due_date", "amount"),
    "complaints": ("id", "enterprise", "received_on"),
    "disputes": ("id", "enterprise", "opened_on"),
}
_KEYS: dict[RecordKind, str] = {"rent": "enterprise", "complaints": "id", "disputes": "id"}
# The column that tells each kind apart when the file's kind is not given.
_TELLING = {"due_date": "rent", "received_on": "complaints", "opened_on": "disputes"}


def tenant_csv_kind(header: Iterable[str]) -> RecordKind | None:
    """Which tenant records a CSV header belongs to; None if it is none of them."""
    names = {name.strip().lower() for name in header}
    kinds = {kind for column, kind in _TELLING.items() if column in names}
    for kind in RECORD_KINDS:
        if kinds == {kind}:
            return kind
    return None


def read_tenant_csv(kind: RecordKind, text: str, site: str) -> TenantRecordsImport:
    """The rows of a CSV file of `kind`, validated one by one."""
    reader = csv.reader(io.StringIO(text))
    header = [name.strip().lower() for name in next(reader, [])]
    _check_columns(kind, header)
    batch = TenantRecordsImport(site, kind)
    model = RECORD_MODELS[kind]
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, as spreadsheets leave at the end
        if len(cells) != len(header):
            reason = f"{len(cells)} cells where the header has {len(header)} columns"
            batch.rejected.append(RecordRejection(kind, number, None, reason))
            continue
        fields = {name: cell.strip() for name, cell in zip(header, cells, strict=True)
                  if cell.strip()}
        try:
            batch.items.append((number, model.model_validate(fields)))
        except ValidationError as exc:
            key = fields.get(_KEYS[kind])
            batch.rejected.append(RecordRejection(kind, number, key, describe(exc)))
    return batch


def _check_columns(kind: RecordKind, header: list[str]) -> None:
    known = COLUMNS[kind]
    if unknown := [name for name in header if name not in known]:
        raise FileRefused(
            f"unknown column {', '.join(unknown)}; {kind} columns are {', '.join(known)}"
        )
    if duplicated := sorted({name for name in header if header.count(name) > 1}):
        raise FileRefused(f"column {', '.join(duplicated)} appears more than once")
    if missing := [name for name in REQUIRED[kind] if name not in header]:
        raise FileRefused(f"a {kind} file needs the column {', '.join(missing)}")
