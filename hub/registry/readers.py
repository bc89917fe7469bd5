"""Registry files into imports: CSV rows and document items, each validated on its own.

A bad row becomes a `Rejection` with its row number and the reason, and the other rows
go on; only a file that cannot be read at all (unknown columns, not a registry document)
is refused as a whole. Raw ID and card numbers are pseudonymised here, with the site key,
and go no further: not into the import, not into a rejection's reason.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hub.registry.batch import ItemKind, Numbered, RegistryImport, Rejection
from sitewatch.protocol.pseudonym import normalise_identifier
from sitewatch.registry import Credential, Enterprise, Person, SiteRegistry, is_resident_id

Pseudonymiser = Callable[[str], str]
M = TypeVar("M", bound=BaseModel)

# Columns of the CSV files, in the order `export` writes them (described in docs/REGISTRY.md).
ENTERPRISE_COLUMNS = (
    "id", "name", "uscc", "building", "floor", "headcount", "work_start", "work_end",
    "work_days", "visitors_per_day", "after_hours_share", "lease_start", "lease_end",
    "contact", "property_grade", "notes",
)  # fmt: skip
PERSON_COLUMNS = ("pseudonym", "id_number", "enterprise", "type", "after_hours")
CREDENTIAL_COLUMNS = ("type", "ref", "number", "person", "person_id_number")
COLUMNS: dict[ItemKind, tuple[str, ...]] = {
    "enterprise": ENTERPRISE_COLUMNS,
    "person": PERSON_COLUMNS,
    "credential": CREDENTIAL_COLUMNS,
}
# Each inner tuple: one of these columns must be present.
_REQUIRED: dict[ItemKind, tuple[tuple[str, ...], ...]] = {
    "enterprise": (("id",), ("name",), ("uscc",), ("building",), ("floor",)),
    "person": (("pseudonym", "id_number"), ("type",)),
    "credential": (("type",), ("ref", "number"), ("person", "person_id_number")),
}
# Where an enterprise's nested field comes from in a CSV row, for the rejection reasons.
_ENTERPRISE_CELLS = {
    "working_hours.start": "work_start",
    "working_hours.end": "work_end",
    "working_hours.days": "work_days",
    "working_hours": "work_start, work_end",
}


class FileRefused(ValueError):
    """The file as a whole cannot be imported: unknown columns, not a registry document."""


class _RowRefused(ValueError):
    """One row cannot be imported, for a reason stated in the message."""


def csv_kind(header: Iterable[str]) -> ItemKind:
    """Which kind of items a CSV file holds, judged by its columns."""
    names = {name.strip().lower() for name in header}
    if "uscc" in names:
        return "enterprise"
    if names & {"ref", "number"}:
        return "credential"
    if names & {"pseudonym", "id_number"}:
        return "person"
    raise FileRefused("cannot tell enterprises, persons or credentials from the CSV columns")


def read_csv(
    kind: ItemKind, text: str, site: str, pseudonymise: Pseudonymiser | None
) -> RegistryImport:
    """The items of a CSV file; rows count from 1 at the header, as a spreadsheet shows them."""
    reader = csv.reader(io.StringIO(text))
    header = [name.strip().lower() for name in next(reader, [])]
    _check_columns(kind, header)
    batch = RegistryImport(site)
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, as spreadsheets leave at the end
        if len(cells) != len(header):
            reason = f"{len(cells)} cells where the header has {len(header)} columns"
            batch.rejected.append(Rejection(kind, number, None, reason))
            continue
        pairs = zip(header, (cell.strip() for cell in cells), strict=True)
        fields: dict[str, Any] = {name: cell for name, cell in pairs if cell}
        if kind == "enterprise":
            fields = _enterprise_from_cells(fields)
        _add(batch, kind, number, fields, pseudonymise)
    return batch


def read_document(
    document: Mapping[str, Any], pseudonymise: Pseudonymiser | None
) -> RegistryImport:
    """A site document (its `site` a mapping) or tenant records (its `site` an id).

    A site document's structure and enterprises are validated together, all or nothing;
    its persons and credentials, like every list of tenant records, item by item.
    """
    fields = dict(document)
    persons = _list(fields.pop("persons", None), "persons")
    credentials = _list(fields.pop("credentials", None), "credentials")
    batch: RegistryImport
    if isinstance(fields.get("site"), Mapping):
        try:
            site_document = SiteRegistry.model_validate(fields)
        except ValidationError as exc:
            raise FileRefused(f"the site document is not valid: {describe(exc)}") from None
        batch = RegistryImport(site_document.site.id, document=site_document)
    else:
        site = fields.pop("site", None)
        enterprises = _list(fields.pop("enterprises", None), "enterprises")
        if not isinstance(site, str) or fields:
            raise FileRefused(
                "tenant records hold `site` (an id), `enterprises`, `persons` and `credentials`"
                + (f"; unknown: {', '.join(sorted(fields))}" if fields else "")
            )
        batch = RegistryImport(site)
        for number, item in enumerate(enterprises, start=1):
            _add(batch, "enterprise", number, item, pseudonymise)
    for number, item in enumerate(persons, start=1):
        _add(batch, "person", number, item, pseudonymise)
    for number, item in enumerate(credentials, start=1):
        _add(batch, "credential", number, item, pseudonymise)
    return batch


def describe(error: ValidationError) -> str:
    """A validation error in one line: `field: message; …` (no input values echoed)."""
    parts = []
    for detail in error.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in detail["loc"])
        for nested, cell in _ENTERPRISE_CELLS.items():
            if location == nested or location.startswith(nested + "."):
                location = cell
                break
        message = detail["msg"].removeprefix("Value error, ")
        parts.append(f"{location}: {message}" if location else message)
    return "; ".join(parts)


def _check_columns(kind: ItemKind, header: list[str]) -> None:
    known = COLUMNS[kind]
    if unknown := [name for name in header if name not in known]:
        raise FileRefused(
            f"unknown column {', '.join(unknown)}; {kind} columns are {', '.join(known)}"
        )
    if duplicated := sorted({name for name in header if header.count(name) > 1}):
        raise FileRefused(f"column {', '.join(duplicated)} appears more than once")
    for options in _REQUIRED[kind]:
        if not set(options) & set(header):
            raise FileRefused(f"a {kind} file needs a column {' or '.join(options)}")


def _enterprise_from_cells(cells: dict[str, Any]) -> dict[str, Any]:
    """An enterprise's fields from a CSV row, its working-hours cells nested as in the model."""
    hours = {
        field: cells.pop(cell)
        for field, cell in (("start", "work_start"), ("end", "work_end"), ("days", "work_days"))
        if cell in cells
    }
    if "days" in hours:
        hours["days"] = hours["days"].replace(";", " ").replace(",", " ").split()
    if hours:
        cells["working_hours"] = hours
    return cells


def _add(
    batch: RegistryImport,
    kind: ItemKind,
    number: int,
    raw: Any,
    pseudonymise: Pseudonymiser | None,
) -> None:
    """Validate one item into the batch, or reject it."""
    try:
        if not isinstance(raw, Mapping):
            raise _RowRefused(f"a {kind} is a mapping of fields")
        if kind == "enterprise":
            batch.enterprises.append(Numbered(number, _model(Enterprise, raw)))
        elif kind == "person":
            fields = _swap_raw(dict(raw), "id_number", "pseudonym", pseudonymise, resident_id=True)
            batch.persons.append(Numbered(number, _model(Person, fields)))
        else:
            fields = _swap_raw(dict(raw), "number", "ref", pseudonymise, resident_id=False)
            fields = _swap_raw(fields, "person_id_number", "person", pseudonymise, resident_id=True)
            batch.credentials.append(Numbered(number, _model(Credential, fields)))
    except _RowRefused as exc:
        batch.rejected.append(Rejection(kind, number, _key(kind, raw), str(exc)))


def _model(model: type[M], fields: Mapping[str, Any]) -> M:
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise _RowRefused(describe(exc)) from None


def _swap_raw(
    fields: dict[str, Any],
    raw_name: str,
    name: str,
    pseudonymise: Pseudonymiser | None,
    resident_id: bool,
) -> dict[str, Any]:
    """Replace a raw identifier field by its pseudonym; the raw value goes no further."""
    raw = fields.pop(raw_name, None)
    if raw is None:
        return fields
    if name in fields:
        raise _RowRefused(f"give {name} or {raw_name}, not both")
    if pseudonymise is None:
        raise _RowRefused(f"{raw_name} needs the site key to be pseudonymised; none was given")
    normalised = normalise_identifier(str(raw))
    if not normalised:
        raise _RowRefused(f"{raw_name} is empty")
    if resident_id and not is_resident_id(normalised):
        raise _RowRefused(f"{raw_name} is not a resident ID number (18 characters, GB 11643)")
    fields[name] = pseudonymise(normalised)
    return fields


def _key(kind: ItemKind, raw: Any) -> str | None:
    """What names a rejected item, if it can be told without a raw identifier."""
    if not isinstance(raw, Mapping):
        return None
    value = raw.get({"enterprise": "id", "person": "pseudonym", "credential": "ref"}[kind])
    return str(value) if value is not None else None


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise FileRefused(f"`{name}` must be a list")
    return value
