"""What sitewatch puts into Grafana: its folder, its two data sources and its dashboards.

Pure values: the HTTP provisioner (`sitewatch.grafana_provision`) sends them, and
`deploy/grafana/provisioning/` declares the same objects as files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FOLDER_UID = "sitewatch"
FOLDER_TITLE = "sitewatch"
INFLUX_UID = "sitewatch-influxdb"
INFLUX_TYPE = "influxdb"
INFLUX_NAME = "sitewatch InfluxDB"
LEDGER_UID = "sitewatch-ledger"
# Grafana 11 names its bundled PostgreSQL plugin so; "postgres" is the older alias.
LEDGER_TYPE = "grafana-postgresql-datasource"
LEDGER_NAME = "sitewatch ledger"


@dataclass(frozen=True)
class InfluxSource:
    """InfluxDB 2.x read through InfluxQL: a DBRP mapping turns `database` into the bucket."""

    url: str = "http://influxdb:8086"
    token: str = ""
    org: str = "sitewatch"
    database: str = "sitewatch"


@dataclass(frozen=True)
class LedgerSource:
    """The PostgreSQL ledger, read by table panels (a read-only role is advised)."""

    host: str = "postgres:5432"
    database: str = "sitewatch"
    user: str = "grafana"
    password: str = ""
    sslmode: str = "disable"


def influx_datasource(source: InfluxSource) -> dict[str, Any]:
    """The InfluxDB data source as Grafana's API takes it (InfluxQL, token in a header)."""
    return {
        "uid": INFLUX_UID,
        "name": INFLUX_NAME,
        "type": INFLUX_TYPE,
        "access": "proxy",
        "url": source.url,
        "database": source.database,
        "isDefault": False,
        # InfluxQL on 2.x authenticates with "Authorization: Token …" (Grafana's docs).
        "jsonData": {
            "version": "InfluxQL",
            "dbName": source.database,
            "httpMode": "POST",
            "httpHeaderName1": "Authorization",
        },
        "secureJsonData": {"httpHeaderValue1": f"Token {source.token}"},
    }


def ledger_datasource(source: LedgerSource) -> dict[str, Any]:
    """The PostgreSQL ledger data source as Grafana's API takes it."""
    return {
        "uid": LEDGER_UID,
        "name": LEDGER_NAME,
        "type": LEDGER_TYPE,
        "access": "proxy",
        "url": source.host,
        "user": source.user,
        "database": source.database,
        "isDefault": False,
        "jsonData": {
            "database": source.database,
            "sslmode": source.sslmode,
            "postgresVersion": 1500,
            "timescaledb": False,
        },
        "secureJsonData": {"password": source.password},
    }


def load_dashboards(directory: Path) -> list[dict[str, Any]]:
    """Every dashboard model in `directory/*.json`, by file name; each must carry a uid."""
    dashboards = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        # Accept a bare model or the {"dashboard": …} envelope Grafana exports.
        model = data.get("dashboard", data) if isinstance(data, dict) else None
        if not isinstance(model, dict) or not model.get("uid"):
            raise ValueError(f"{path}: not a Grafana dashboard with a uid")
        dashboards.append(model)
    if not dashboards:
        raise ValueError(f"no dashboards (*.json) in {directory}")
    return dashboards


def dashboard_request(model: dict[str, Any]) -> dict[str, Any]:
    """The body of POST /api/dashboards/db: matched by uid, overwritten, in our folder."""
    # A numeric id from another Grafana would make this one refuse or clobber a stranger.
    dashboard = {**model, "id": None}
    return {
        "dashboard": dashboard,
        "folderUid": FOLDER_UID,
        "overwrite": True,
        "message": "provisioned by sitewatch",
    }
