"""`sitewatch grafana provision` against a RECORDED Grafana 11 HTTP exchange.

No Grafana server can be installed here, so a stdlib HTTP server replays recorded
request→response pairs (`recorded/*.json`: method, path, status, body, modelled on
Grafana 11's real answers) and the test checks that the requests the provisioner sent
(methods, paths, key fields of the bodies, the bearer token) match the recording.
The dashboards are small fixtures of our own (`dashboards/`), standing in for the
generated `dashboards/*.json` of the repository.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sitewatch.brokers import free_port
from sitewatch.cli import app
from sitewatch.grafana_objects import InfluxSource, LedgerSource, load_dashboards
from sitewatch.grafana_provision import GrafanaProvisionError, provision_grafana
from tests.grafana.replay import RECORDED, ReplayGrafana, contains

FIXTURE_DASHBOARDS = Path(__file__).parent / "dashboards"
INFLUX = InfluxSource("http://influxdb:8086", "influx-read-token", "sitewatch", "sitewatch")
LEDGER = LedgerSource("postgres:5432", "sitewatch", "grafana", "ledger-password", "disable")


def _provision(grafana: ReplayGrafana, token: str | None = None) -> list[str]:
    report = provision_grafana(
        grafana.url, token or grafana.token, INFLUX, LEDGER, load_dashboards(FIXTURE_DASHBOARDS)
    )
    return report.actions


def _assert_matches_recording(grafana: ReplayGrafana) -> None:
    assert len(grafana.received) == len(grafana.exchanges), [
        (r.method, r.path) for r in grafana.received
    ]
    for got, exchange in zip(grafana.received, grafana.exchanges, strict=True):
        want = exchange["request"]
        assert (got.method, got.path) == (want["method"], want["path"])
        assert got.authorization == f"Bearer {grafana.token}"
        if "body" in want:
            assert contains(got.body, want["body"]), (got.path, got.body)


def test_first_run_creates_folder_data_sources_and_dashboards() -> None:
    """An empty Grafana: each GET by uid is a 404, then a POST creates the object."""
    with ReplayGrafana("first_run") as grafana:
        actions = _provision(grafana)
    _assert_matches_recording(grafana)
    assert actions[:3] == [
        "folder sitewatch: created",
        "data source sitewatch-influxdb: created",
        "data source sitewatch-ledger: created",
    ]
    assert len(actions) == 6


def test_second_run_updates_in_place_and_creates_nothing() -> None:
    """Everything exists: updates by uid (PUT), dashboards overwritten, no POST of a new object."""
    with ReplayGrafana("second_run") as grafana:
        actions = _provision(grafana)
    _assert_matches_recording(grafana)
    creates = [r.path for r in grafana.received if r.path in ("/api/folders", "/api/datasources")]
    assert creates == []
    assert all(r.body["overwrite"] is True for r in grafana.received if "dashboards" in r.path)
    assert "created" not in " ".join(actions)


def test_dashboards_lose_their_foreign_numeric_id() -> None:
    """A dashboard's numeric id is another Grafana's; it is sent as null, matched by uid."""
    with ReplayGrafana("first_run") as grafana:
        _provision(grafana)
    sent = [r.body["dashboard"] for r in grafana.received if r.path == "/api/dashboards/db"]
    assert [d["uid"] for d in sent] == ["police-investigation", "property-audit", "security-live"]
    assert all(d["id"] is None and d["panels"] for d in sent)


def test_bad_token_is_a_clear_error() -> None:
    """A 401 from Grafana becomes "Grafana refused the token" and stops at the first call."""
    with ReplayGrafana("bad_token") as grafana, pytest.raises(GrafanaProvisionError) as caught:
        _provision(grafana)
    assert str(caught.value) == "Grafana refused the token: 401 Invalid API key"
    assert len(grafana.received) == 1


def test_token_without_write_permission_is_refused_too() -> None:
    """A 403 (a Viewer's token) is reported the same way, with Grafana's reason."""
    with ReplayGrafana("viewer_token") as grafana, pytest.raises(GrafanaProvisionError) as caught:
        _provision(grafana)
    assert str(caught.value).startswith("Grafana refused the token: 403 You'll need additional")


def test_cli_runs_the_recording_and_reports_each_object(tmp_path: Path) -> None:
    """The CLI takes the data sources' secrets from the environment and prints what it did."""
    with ReplayGrafana("first_run") as grafana:
        result = CliRunner().invoke(
            app,
            ["grafana", "provision", "--url", grafana.url, "--dashboards", str(FIXTURE_DASHBOARDS)],
            env={
                "SITEWATCH_GRAFANA_TOKEN": grafana.token,
                "SITEWATCH_GRAFANA_INFLUXDB_TOKEN": "influx-read-token",
                "SITEWATCH_GRAFANA_POSTGRES_PASSWORD": "ledger-password",
            },
        )
    assert result.exit_code == 0, result.output
    _assert_matches_recording(grafana)
    assert "data source sitewatch-ledger: created" in result.output


def test_cli_bad_token_exits_non_zero_with_the_message() -> None:
    """The CLI prints the refusal and exits 1."""
    with ReplayGrafana("bad_token") as grafana:
        result = CliRunner().invoke(
            app,
            ["grafana", "provision", "--url", grafana.url, "--token", "glsa_revoked",
             "--dashboards", str(FIXTURE_DASHBOARDS)],
        )
    assert result.exit_code == 1
    assert "Grafana refused the token: 401" in result.output


def test_cli_unreachable_grafana_exits_non_zero_with_the_message() -> None:
    """Nothing listens on the port: "cannot reach Grafana at …", exit 1."""
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(
        app,
        ["grafana", "provision", "--url", url, "--token", "t", "--timeout", "2",
         "--dashboards", str(FIXTURE_DASHBOARDS)],
    )
    assert result.exit_code == 1
    assert f"cannot reach Grafana at {url}" in result.output


def test_recordings_are_grafana_shaped() -> None:
    """Each recording names its Grafana version and answers with JSON bodies."""
    for path in RECORDED.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["grafana_version"].startswith("11.")
        assert all(isinstance(e["response"]["body"], dict) for e in data["exchanges"])


def test_cli_without_a_token_says_so_before_calling_grafana() -> None:
    """No --token and no SITEWATCH_GRAFANA_TOKEN: exit 2 and nothing is sent."""
    with ReplayGrafana("first_run") as grafana:
        result = CliRunner().invoke(
            app, ["grafana", "provision", "--url", grafana.url,
                  "--dashboards", str(FIXTURE_DASHBOARDS)],
            env={"SITEWATCH_GRAFANA_TOKEN": ""},
        )
    assert result.exit_code == 2
    assert "no Grafana token" in result.output
    assert grafana.received == []
