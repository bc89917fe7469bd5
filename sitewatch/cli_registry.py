"""`sitewatch registry`: import the site registry into the hub's database, export it again.

Import reads a site document (YAML or JSON, the format of sitewatch/data/demo_site.yaml),
tenant records, or CSV files of enterprises, persons or credentials (docs/REGISTRY.md).
Good rows are imported even when others are rejected; each rejection is reported with its
row and reason, and the exit status is then 1. The hub's libraries are imported inside
the commands, so that `sitewatch` stays light on a gateway.
"""

from __future__ import annotations

import csv
import json
import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from hub.registry import ImportReport, Rejection
    from hub.registry.files import FileKind
    from hub.stats.tenant_records import RecordRejection, TenantRecordsReport

registry_app = typer.Typer(
    help="The hub's site registry: import and export.", no_args_is_help=True
)
SITE_KEYS_VARIABLE = "SITEWATCH_HUB_SITE_KEYS"  # JSON object: {"site id": "site key", …}


class ImportKind(StrEnum):
    """What an import file holds."""

    site = "site"
    enterprises = "enterprises"
    persons = "persons"
    credentials = "credentials"
    tenant_records = "tenant_records"
    rent = "rent"
    complaints = "complaints"
    disputes = "disputes"


# What the registry's import reads; the other kinds are tenant records (hub.stats).
_REGISTRY_KINDS: dict[ImportKind, FileKind] = {
    ImportKind.site: "site", ImportKind.tenant_records: "tenant_records",
    ImportKind.enterprises: "enterprises", ImportKind.persons: "persons",
    ImportKind.credentials: "credentials",
}


class ExportFormat(StrEnum):
    """How to export."""

    json = "json"
    yaml = "yaml"
    csv = "csv"


LedgerOption = Annotated[
    str | None,
    typer.Option(
        "--ledger", envvar="SITEWATCH_HUB_LEDGER_URL",
        help="ledger database URL (instead of --config)",
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", exists=True, dir_okay=False, help="hub YAML settings file"),
]
SiteOption = Annotated[
    str | None, typer.Option("--site", help="the site; default: the registry's only site")
]


@registry_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="file to import")],
    ledger: LedgerOption = None,
    kind: Annotated[
        ImportKind | None, typer.Option(help="what the file holds; guessed when not given")
    ] = None,
    site: SiteOption = None,
    site_key: Annotated[
        str | None,
        typer.Option(
            "--site-key",
            help=f"key that pseudonymises raw ID and card numbers; default: {SITE_KEYS_VARIABLE}",
        ),
    ] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="also write the rejected rows to this CSV file")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Import a site document, tenant records, or a CSV of enterprises, persons, credentials,
    rent payments, complaints or disputes."""
    from hub.registry import FileRefused, RegistryRefused, RegistryStore
    from hub.registry.files import only_site, read_import
    from hub.stats.tenant_files import import_tenant_file, tenant_file_kind

    err = Console(stderr=True)
    record_kind = tenant_file_kind(file, None if kind is None else kind.value)
    if record_kind is not None:
        try:
            tenant_report = import_tenant_file(_ledger_url(ledger, config), file, record_kind, site)
        except (FileRefused, RegistryRefused) as exc:
            err.print(f"[red]not imported:[/] {exc}")
            raise typer.Exit(2) from None
        _finish(tenant_report, rejects, err)
        return
    store = RegistryStore.open(_ledger_url(ledger, config))
    try:
        store.migrate()
        batch = read_import(
            file,
            None if kind is None else _REGISTRY_KINDS[kind],
            site=lambda: site or only_site(store),
            site_key=lambda target: site_key or _site_keys().get(target),
        )
        with _progress(err) as progress:
            task = progress.add_task(f"importing into {batch.site}", total=len(batch) or 1)
            report = store.apply(batch, lambda n: progress.advance(task, n))
    except (FileRefused, RegistryRefused) as exc:
        err.print(f"[red]not imported:[/] {exc}")
        raise typer.Exit(2) from None
    finally:
        store.close()
    _finish(report, rejects, err)


def _finish(
    report: ImportReport | TenantRecordsReport, rejects: Path | None, err: Console
) -> None:
    """Print the report, write the rejected rows if asked; exit 1 if any were rejected."""
    _print_report(report, err)
    if rejects is not None:
        _write_rejects(rejects, report.rejected)
    if report.rejected:
        raise typer.Exit(1)


@registry_app.command("export")
def export_command(
    fmt: Annotated[ExportFormat, typer.Option("--format", help="json, yaml or csv")] = (
        ExportFormat.json
    ),
    output: Annotated[
        Path | None, typer.Option(help="file (json, yaml; default: stdout) or directory (csv)")
    ] = None,
    site: SiteOption = None,
    ledger: LedgerOption = None,
    config: ConfigOption = None,
) -> None:
    """Export a site: its document with persons and credentials, or CSV files of them."""
    from hub.registry import RegistryRefused, RegistryStore
    from hub.registry.files import only_site, write_export

    store = RegistryStore.open(_ledger_url(ledger, config))
    try:
        store.migrate()
        text = write_export(store, site or only_site(store), fmt.value, output)
    except RegistryRefused as exc:
        Console(stderr=True).print(f"[red]not exported:[/] {exc}")
        raise typer.Exit(2) from None
    finally:
        store.close()
    if text:
        typer.echo(text, nl=False)


def _ledger_url(ledger: str | None, config: Path | None) -> str:
    if ledger is not None:
        return ledger
    if config is None:
        raise typer.BadParameter("give --ledger (or SITEWATCH_HUB_LEDGER_URL) or --config")
    from hub.settings import load_hub_settings

    return load_hub_settings(config).ledger_url


def _site_keys() -> dict[str, str]:
    """Per-site keys from the environment (the hub reads the same variable)."""
    text = os.environ.get(SITE_KEYS_VARIABLE, "").strip()
    if not text:
        return {}
    keys = json.loads(text)
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise typer.BadParameter(f"{SITE_KEYS_VARIABLE} must be a JSON object of site: key")
    return keys


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _print_report(report: ImportReport | TenantRecordsReport, err: Console) -> None:
    counts = ", ".join(
        f"{n} {kind}" if kind.endswith("s") or kind == "rent" else f"{n} {kind}s"
        for kind, n in report.imported.items()
    )
    structure = "site structure and " if report.structure else ""
    typer.echo(f"imported into {report.site}: {structure}{counts}")
    if not report.rejected:
        return
    table = Table(title=f"{len(report.rejected)} rows rejected", title_justify="left")
    for column in ("kind", "row", "key", "reason"):
        table.add_column(column, overflow="fold")
    for r in report.rejected:
        table.add_row(r.kind, str(r.row), r.key or "", r.reason)
    err.print(table)


def _write_rejects(
    path: Path, rejected: tuple[Rejection, ...] | tuple[RecordRejection, ...]
) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("kind", "row", "key", "reason"))
        writer.writerows((r.kind, r.row, r.key or "", r.reason) for r in rejected)
