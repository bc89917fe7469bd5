"""Registry files in and out of a store: which kind a file is, its site, its key; exports.

Kinds of import file:
  site            the site document, YAML or JSON (sitewatch/data/demo_site.yaml's format),
                  optionally with `persons` and `credentials`
  tenant_records  YAML or JSON: `site` (an id), `enterprises`, `persons`, `credentials`
  enterprises, persons, credentials   CSV files (columns in docs/REGISTRY.md)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from hub.registry import export
from hub.registry.batch import ItemKind, RegistryImport
from hub.registry.edits import RegistryRefused
from hub.registry.readers import FileRefused, Pseudonymiser, csv_kind, read_csv, read_document
from hub.registry.store import RegistryStore
from sitewatch.protocol.pseudonym import pseudonymise
from sitewatch.registry import read_document as read_mapping

FileKind = Literal["site", "tenant_records", "enterprises", "persons", "credentials"]
ExportFormat = Literal["json", "yaml", "csv"]
_CSV_KINDS: dict[FileKind, ItemKind] = {
    "enterprises": "enterprise", "persons": "person", "credentials": "credential"
}


def read_import(
    path: Path,
    kind: FileKind | None,
    site: Callable[[], str],
    site_key: Callable[[str], str | None],
) -> RegistryImport:
    """The import a file holds; `site` names the site of a CSV file (asked only then),
    `site_key` gives a site's key to pseudonymise raw numbers with (None: no key)."""
    if kind is None:
        kind = _guess_kind(path)
    if kind in _CSV_KINDS:
        text = path.read_text(encoding="utf-8-sig")  # spreadsheets often write a BOM
        item_kind = _CSV_KINDS[kind]
        if csv_kind(_header(text)) != item_kind:
            raise FileRefused(f"{path.name} holds {csv_kind(_header(text))} rows, not {kind}")
        target = site()
        return read_csv(item_kind, text, target, _pseudonymiser(site_key(target)))
    try:
        document = read_mapping(path)
    except ValueError as exc:  # not YAML/JSON, or not a mapping
        raise FileRefused(str(exc)) from None
    if ("site" in document and isinstance(document["site"], Mapping)) != (kind == "site"):
        raise FileRefused(f"{path.name} is not {kind.replace('_', ' ')}")
    target = _document_site(document)
    return read_document(document, _pseudonymiser(site_key(target)))


def only_site(store: RegistryStore) -> str:
    """The registry's one site; RegistryRefused if it has none or several."""
    sites = [s.id for s in store.sites()]
    if len(sites) != 1:
        found = ", ".join(sites) if sites else "none"
        raise RegistryRefused(f"name the site (--site): the registry has {found}")
    return sites[0]


def write_export(store: RegistryStore, site: str, fmt: ExportFormat, output: Path | None) -> str:
    """Export a site as JSON or YAML (to `output`, or returned) or CSV files in `output`."""
    document = store.document(site)
    if document is None:
        raise RegistryRefused(f"no site {site!r} in the registry")
    if fmt == "csv":
        if output is None:
            raise RegistryRefused("a CSV export needs --output, the directory for its files")
        output.mkdir(parents=True, exist_ok=True)
        files = {
            "enterprises.csv": export.enterprises_csv(document.enterprises),
            "persons.csv": export.persons_csv(document.persons),
            "credentials.csv": export.credentials_csv(document.credentials),
        }
        for name, text in files.items():
            (output / name).write_text(text, encoding="utf-8")
        return ""
    text = (
        export.document_json(document).decode("utf-8")
        if fmt == "json"
        else export.document_yaml(document)
    )
    if output is not None:
        output.write_text(text, encoding="utf-8")
        return ""
    return text


def _guess_kind(path: Path) -> FileKind:
    if path.suffix.lower() == ".csv":
        item_kind = csv_kind(_header(path.read_text(encoding="utf-8-sig")))
        return next(k for k, v in _CSV_KINDS.items() if v == item_kind)
    try:
        document = read_mapping(path)
    except ValueError as exc:
        raise FileRefused(str(exc)) from None
    return "site" if isinstance(document.get("site"), Mapping) else "tenant_records"


def _header(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text)), [])


def _document_site(document: Mapping[str, Any]) -> str:
    site = document.get("site")
    site_id = site.get("id") if isinstance(site, Mapping) else site
    if not isinstance(site_id, str):
        raise FileRefused("the document names no site")
    return site_id


def _pseudonymiser(key: str | None) -> Pseudonymiser | None:
    if key is None:
        return None
    secret = key.encode("utf-8")
    return lambda raw: pseudonymise(secret, raw)
