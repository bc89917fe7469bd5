"""deploy/grafana/provisioning declares the same objects `sitewatch grafana provision` sends."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from sitewatch.grafana_objects import (
    FOLDER_UID,
    INFLUX_TYPE,
    INFLUX_UID,
    LEDGER_TYPE,
    LEDGER_UID,
    InfluxSource,
    LedgerSource,
    influx_datasource,
    ledger_datasource,
    load_dashboards,
)

REPO = Path(__file__).resolve().parents[2]
PROVISIONING = REPO / "deploy" / "grafana" / "provisioning"


def _load(relative: str) -> dict[str, Any]:
    data = yaml.safe_load((PROVISIONING / relative).read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data["apiVersion"] == 1
    return data


def _same_shape(filed: dict[str, Any], api: dict[str, Any]) -> None:
    for key in ("uid", "name", "type", "access"):
        assert filed[key] == api[key], key
    assert set(filed["jsonData"]) == set(api["jsonData"])
    assert set(filed["secureJsonData"]) == set(api["secureJsonData"])


def test_data_sources_match_the_api_provisioner() -> None:
    """Same uids, types, names and jsonData keys as the HTTP provisioner's payloads."""
    sources = {s["uid"]: s for s in _load("datasources/sitewatch.yaml")["datasources"]}
    assert set(sources) == {"sitewatch-influxdb", "sitewatch-ledger"}
    influx = sources["sitewatch-influxdb"]
    _same_shape(influx, influx_datasource(InfluxSource()))
    assert influx["jsonData"]["version"] == "InfluxQL"
    assert influx["jsonData"]["httpHeaderName1"] == "Authorization"
    _same_shape(sources["sitewatch-ledger"], ledger_datasource(LedgerSource()))


def test_secrets_come_from_the_environment() -> None:
    """No secret is written in the file: every secure value is a $VARIABLE."""
    for source in _load("datasources/sitewatch.yaml")["datasources"]:
        for value in source["secureJsonData"].values():
            assert re.fullmatch(r"(Token )?\$SITEWATCH_GRAFANA_[A-Z_]+", value), value


def test_grafana_service_sets_every_variable_the_file_uses() -> None:
    """Each $VARIABLE in the provisioning files is in the grafana service's environment."""
    compose = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    environment = compose["services"]["grafana"]["environment"]
    for path in PROVISIONING.rglob("*.yaml"):
        for name in re.findall(r"\$(SITEWATCH_[A-Z0-9_]+)", path.read_text(encoding="utf-8")):
            assert name in environment, (path.name, name)


def test_dashboards_provider_reads_the_mounted_dir_into_our_folder() -> None:
    """The file provider puts the dashboards in folder uid `sitewatch` from the mounted dir."""
    (provider,) = _load("dashboards/sitewatch.yaml")["providers"]
    assert provider["type"] == "file"
    assert provider["folderUid"] == FOLDER_UID
    compose = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"../dashboards:{provider['options']['path']}:ro" in mounts


def test_repository_dashboards_use_only_our_data_sources() -> None:
    """dashboards/*.json load for provisioning and name only the two provisioned data sources."""
    models = load_dashboards(REPO / "dashboards")
    assert len(models) == 3
    refs: set[tuple[str, str]] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            source = node.get("datasource")
            if isinstance(source, dict) and "uid" in source and not source["uid"].startswith("-"):
                refs.add((str(source.get("type")), str(source["uid"])))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(models)
    assert refs <= {(INFLUX_TYPE, INFLUX_UID), (LEDGER_TYPE, LEDGER_UID)}, refs
    assert (LEDGER_TYPE, LEDGER_UID) in refs
