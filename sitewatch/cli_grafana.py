"""`sitewatch grafana provision`: folder, data sources and dashboards through Grafana's API.

grafana-client is imported inside the command, so `sitewatch` on a gateway still starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

grafana_app = typer.Typer(help="Grafana: provision sitewatch's dashboards.", no_args_is_help=True)


def _opt(envvar: str, help_text: str) -> typer.models.OptionInfo:
    return typer.Option(envvar=envvar, help=help_text)


@grafana_app.command("provision")
def provision(
    url: Annotated[str, _opt("SITEWATCH_GRAFANA_URL", "Grafana base URL")] = (
        "http://127.0.0.1:3000"
    ),
    token: Annotated[
        str, _opt("SITEWATCH_GRAFANA_TOKEN", "service-account token (Editor or Admin)")
    ] = "",
    dashboards: Annotated[
        Path, _opt("SITEWATCH_GRAFANA_DASHBOARDS", "directory of dashboard JSON files")
    ] = Path("dashboards"),
    influxdb_url: Annotated[
        str, _opt("SITEWATCH_GRAFANA_INFLUXDB_URL", "InfluxDB URL as Grafana reaches it")
    ] = "http://influxdb:8086",
    influxdb_token: Annotated[
        str, _opt("SITEWATCH_GRAFANA_INFLUXDB_TOKEN", "InfluxDB 2.x token with read access")
    ] = "",
    influxdb_org: Annotated[str, _opt("SITEWATCH_GRAFANA_INFLUXDB_ORG", "InfluxDB org")] = (
        "sitewatch"
    ),
    influxdb_database: Annotated[
        str, _opt("SITEWATCH_GRAFANA_INFLUXDB_DATABASE", "InfluxQL database (DBRP-mapped bucket)")
    ] = "sitewatch",
    postgres_host: Annotated[
        str, _opt("SITEWATCH_GRAFANA_POSTGRES_HOST", "ledger host:port as Grafana reaches it")
    ] = "postgres:5432",
    postgres_db: Annotated[str, _opt("SITEWATCH_GRAFANA_POSTGRES_DB", "ledger database")] = (
        "sitewatch"
    ),
    postgres_user: Annotated[
        str, _opt("SITEWATCH_GRAFANA_POSTGRES_USER", "ledger user (read-only advised)")
    ] = "grafana",
    postgres_password: Annotated[
        str, _opt("SITEWATCH_GRAFANA_POSTGRES_PASSWORD", "ledger user's password")
    ] = "",
    postgres_sslmode: Annotated[
        str, _opt("SITEWATCH_GRAFANA_POSTGRES_SSLMODE", "disable, require, verify-full …")
    ] = "disable",
    timeout: Annotated[float, typer.Option(min=0.1, help="seconds per HTTP request")] = 10.0,
) -> None:
    """Create or update the sitewatch folder, both data sources and the dashboards."""
    from sitewatch.grafana_objects import InfluxSource, LedgerSource, load_dashboards
    from sitewatch.grafana_provision import GrafanaProvisionError, provision_grafana

    if not token:
        typer.echo("error: no Grafana token: pass --token or set SITEWATCH_GRAFANA_TOKEN", err=True)
        raise typer.Exit(2)
    try:
        models = load_dashboards(dashboards)
        report = provision_grafana(
            url,
            token,
            InfluxSource(influxdb_url, influxdb_token, influxdb_org, influxdb_database),
            LedgerSource(
                postgres_host, postgres_db, postgres_user, postgres_password, postgres_sslmode
            ),
            models,
            timeout_s=timeout,
        )
    except (GrafanaProvisionError, ValueError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    for line in report.actions:
        typer.echo(line)
