"""The dashboards' JSON: committed files match the code, output is stable, and every query a
panel or variable runs is one of `dashboards.queries` (which the engine tests execute)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dashboards import DASHBOARDS, dashboard_json, drifted, queries
from sitewatch.cli import app

QUERIES = set(queries.INFLUXQL.values()) | set(queries.SQL.values())


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(dashboard_json(name))
    return loaded


def _targets(board: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for panel in board["panels"]:
        for target in panel.get("targets") or []:
            yield panel["title"], target


def test_committed_json_matches_the_code() -> None:
    assert drifted() == [], "dashboards/*.json drifted: run 'sitewatch dashboards build'"


def test_output_is_deterministic() -> None:
    for name in DASHBOARDS:
        assert dashboard_json(name) == dashboard_json(name)


def test_build_writes_and_check_fails_on_drift(tmp_path: Path) -> None:
    runner = CliRunner()
    directory = ["--directory", str(tmp_path)]
    assert runner.invoke(app, ["dashboards", "build", "--check", *directory]).exit_code == 1
    assert runner.invoke(app, ["dashboards", "build", *directory]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "police_investigation.json", "property_audit.json", "security_live.json"]
    assert runner.invoke(app, ["dashboards", "build", "--check", *directory]).exit_code == 0
    (tmp_path / "security_live.json").write_text("{}\n", encoding="utf-8")
    drift = runner.invoke(app, ["dashboards", "build", "--check", *directory])
    assert drift.exit_code == 1 and "security_live.json" in drift.output


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_every_query_is_a_tested_one_on_the_right_data_source(name: str) -> None:
    board = _load(name)
    for title, target in _targets(board):
        if target["datasource"]["uid"] == "sitewatch-influxdb":
            assert target["query"] in queries.INFLUXQL.values(), title
            assert target["rawQuery"] is True
        else:
            assert target["datasource"]["uid"] == "sitewatch-ledger", title
            assert target["rawSql"] in queries.SQL.values(), title
    for variable in board["templating"]["list"]:
        if variable["type"] == "query":
            assert variable["query"] in QUERIES, variable["name"]


@pytest.mark.parametrize(("name", "refresh"), [
    ("security_live", "10s"), ("property_audit", "1m"), ("police_investigation", False)])
def test_site_and_building_variables_and_refresh(name: str, refresh: str | bool) -> None:
    board = _load(name)
    names = [variable["name"] for variable in board["templating"]["list"]]
    assert names[:2] == ["site", "building"]
    assert board["refresh"] == refresh
    ids = [panel["id"] for panel in board["panels"]]
    assert ids == list(range(1, len(ids) + 1))  # stable ids


def test_police_links_to_event_detail_and_media() -> None:
    board = _load("police_investigation")
    names = [variable["name"] for variable in board["templating"]["list"]]
    assert {"subject", "plate", "gate", "hub_url"} <= set(names)
    [events] = [p for p in board["panels"] if p["title"] == "Matching events"]
    links = {
        o["matcher"]["options"]: o["properties"][0]["value"][0]["url"]
        for o in events["fieldConfig"]["overrides"]
    }
    assert links == {
        "id": "${hub_url}/api/v1/events/${__data.fields.id}",
        "snapshot": "${hub_url}/api/v1/media/${__data.fields.snapshot}",
        "clip": "${hub_url}/api/v1/media/${__data.fields.clip}",
    }
    assert "pseudonym" in events["description"] and "id_number" in events["description"]
