"""`sitewatch dashboards`: generate the Grafana dashboards' JSON from code, or check it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

dashboards_app = typer.Typer(help="Grafana dashboards as code.", no_args_is_help=True)


@dashboards_app.command("build")
def build(
    check: Annotated[
        bool, typer.Option(help="fail if a committed file differs; write nothing")
    ] = False,
    directory: Annotated[
        Path | None, typer.Option(help="where the JSON files go (default: the package's)")
    ] = None,
) -> None:
    """Write dashboards/*.json from the code (or check the committed files)."""
    from dashboards import render

    target = directory or render.DIRECTORY
    if check:
        stale = render.drifted(target)
        for path in stale:
            typer.echo(f"{path} is out of date: run 'sitewatch dashboards build'", err=True)
        if stale:
            raise typer.Exit(1)
        typer.echo(f"{len(render.DASHBOARDS)} dashboards up to date")
        return
    target.mkdir(parents=True, exist_ok=True)
    for path in render.write_all(target):
        typer.echo(f"wrote {path}")
