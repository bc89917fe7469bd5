"""Registry documents and CSV files out of the store's models (pure; the CLI writes them).

What is written here reads back in with `sitewatch registry import`: the site document
in the format of sitewatch/data/demo_site.yaml (plus its persons and credentials), and
CSV files with the columns of hub.registry.readers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import time
from typing import Any

import orjson
import yaml

from hub.registry.readers import ENTERPRISE_COLUMNS
from sitewatch.registry import Credential, Enterprise, Person, SiteRegistry

PERSON_EXPORT_COLUMNS = ("pseudonym", "enterprise", "type", "after_hours")
CREDENTIAL_EXPORT_COLUMNS = ("type", "ref", "person")


def document_data(document: SiteRegistry) -> dict[str, Any]:
    """The document as plain JSON-able data; unset fields and simulator knobs left out."""
    return document.model_dump(mode="json", exclude_none=True, exclude={"simulation"})


def document_json(document: SiteRegistry) -> bytes:
    """The site document as indented JSON."""
    return orjson.dumps(document_data(document), option=orjson.OPT_INDENT_2) + b"\n"


def document_yaml(document: SiteRegistry) -> str:
    """The site document as YAML, fields in the model's order."""
    return yaml.safe_dump(document_data(document), allow_unicode=True, sort_keys=False)


def enterprises_csv(enterprises: Iterable[Enterprise]) -> str:
    """Enterprises as CSV, one row each, working hours in three cells."""
    rows = []
    for enterprise in enterprises:
        hours = enterprise.working_hours
        fields = enterprise.model_dump(exclude={"working_hours"})
        fields |= {
            "work_start": _clock(hours.start),
            "work_end": _clock(hours.end),
            "work_days": ";".join(hours.days),
        }
        rows.append(fields)
    return _csv(ENTERPRISE_COLUMNS, rows)


def persons_csv(persons: Iterable[Person]) -> str:
    """Persons as CSV, by pseudonym (a raw ID number is never stored, so never exported)."""
    return _csv(PERSON_EXPORT_COLUMNS, [p.model_dump() for p in persons])


def credentials_csv(credentials: Iterable[Credential]) -> str:
    """Credentials as CSV, by pseudonymised reference."""
    return _csv(CREDENTIAL_EXPORT_COLUMNS, [c.model_dump() for c in credentials])


def _clock(value: time) -> str:
    return value.isoformat(timespec="minutes" if not value.second else "seconds")


def _csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
