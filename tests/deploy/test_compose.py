"""deploy/compose.yaml, checked without a Docker engine.

The docker CLI here has no compose plugin, so Compose v1 (`docker-compose`, Debian's
package, installed by scripts/install-test-servers.sh) validates the file: its `config`
command checks it against the Compose schema and resolves variables and paths offline.
The test then checks what the schema cannot: mounted files exist, and every variable
handed to the hub or the agent is a real setting of theirs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from edge_agent.settings import AgentSettings, load_settings
from hub.settings import HubSettings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
EXAMPLE_ENV = DEPLOY / "example.env"


def compose_config(env_file: Path) -> subprocess.CompletedProcess[str]:
    """`docker-compose config` of deploy/compose.yaml with the given variables."""
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose missing: run scripts/install-test-servers.sh"
    return subprocess.run(
        [binary, "--project-directory", str(DEPLOY), "-f", str(COMPOSE),
         "--env-file", str(env_file), "config"],
        capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": "/usr/bin:/bin", "DOCKER_HOST": "unix:///nonexistent/docker.sock"},
    )


@pytest.fixture(scope="module")
def resolved() -> dict[str, Any]:
    """The compose file as Compose resolved it with deploy/example.env."""
    done = compose_config(EXAMPLE_ENV)
    assert done.returncode == 0, done.stderr
    config = yaml.safe_load(done.stdout)
    assert isinstance(config, dict)
    return config


def test_compose_file_is_valid_and_has_every_part(resolved: dict[str, Any]) -> None:
    """Schema-valid, with the broker, InfluxDB 2, PostgreSQL, Grafana, hub and a simulator."""
    assert set(resolved["services"]) == {
        "mosquitto", "influxdb", "postgres", "grafana", "hub", "agent-simulator"
    }
    assert resolved["services"]["influxdb"]["image"].startswith("influxdb:2")
    hub = resolved["services"]["hub"]
    assert hub["build"]["dockerfile"] == "deploy/Dockerfile"
    assert Path(hub["build"]["context"]) == REPO
    assert 'pip install ".[hub]"' in (DEPLOY / "Dockerfile").read_text()


def test_missing_secret_stops_compose_with_its_name(tmp_path: Path) -> None:
    """Secrets have no defaults: an empty .env fails and names what to set."""
    empty = tmp_path / "empty.env"
    empty.write_text("")
    done = compose_config(empty)
    assert done.returncode != 0
    assert "set it in deploy/.env" in done.stderr


def _bind_mounts(resolved: dict[str, Any]) -> list[tuple[str, Path, str]]:
    mounts = []
    for name, service in resolved["services"].items():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if source.startswith("/"):
                mounts.append((name, Path(source), target))
    return mounts


def test_every_mounted_file_exists_in_deploy(resolved: dict[str, Any]) -> None:
    """Bind mounts come from deploy/ and exist; the one exception is the dashboards dir."""
    mounts = _bind_mounts(resolved)
    assert len(mounts) >= 6
    for service, source, _target in mounts:
        if source == REPO / "dashboards":
            continue  # generated dashboards/*.json, written by `sitewatch dashboards`
        assert source.is_relative_to(DEPLOY), (service, source)
        assert source.exists(), (service, source)
    grafana = {target: source for s, source, target in mounts if s == "grafana"}
    assert grafana["/var/lib/grafana/dashboards/sitewatch"] == REPO / "dashboards"
    assert grafana["/etc/grafana/provisioning"] == DEPLOY / "grafana" / "provisioning"


def test_mosquitto_service_mounts_what_its_config_names(resolved: dict[str, Any]) -> None:
    """password_file and acl_file live in the mounted config dir; the entrypoint is there too."""
    service = resolved["services"]["mosquitto"]
    mounts = {target: source for s, source, target in _bind_mounts(resolved) if s == "mosquitto"}
    config_dir = mounts["/mosquitto/config"]
    conf = (config_dir / "mosquitto.conf").read_text()
    assert re.search(r"(?m)^acl_file /mosquitto/config/acl$", conf)
    assert (config_dir / "acl").exists()
    assert re.search(r"(?m)^password_file /mosquitto/config/passwd$", conf)
    script = service["entrypoint"][-1]
    assert (config_dir / Path(script).name).exists()
    assert script == "/mosquitto/config/compose-entrypoint.sh"
    for option in ("cafile", "certfile", "keyfile"):
        path = re.search(rf"(?m)^{option} (\S+)$", conf)
        assert path and path.group(1).startswith("/mosquitto/certs/")
    assert "/mosquitto/certs" in mounts


def _field_paths(model: type[BaseModel], prefix: str) -> set[str]:
    paths = set()
    for name, field in model.model_fields.items():
        key = f"{prefix}{name.upper()}"
        paths.add(key)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths |= _field_paths(annotation, key + "__")
    return paths


def test_hub_environment_names_real_settings(
    resolved: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each SITEWATCH_HUB_* variable is a HubSettings field, and the tree loads from them."""
    environment = resolved["services"]["hub"]["environment"]
    known = _field_paths(HubSettings, "SITEWATCH_HUB_")
    assert set(environment) <= known, set(environment) - known
    for name in [n for n in os.environ if n.startswith("SITEWATCH_")]:
        monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, str(value))
    settings = HubSettings()
    assert settings.timeseries.enabled and settings.timeseries.url == "http://influxdb:8086"
    assert settings.timeseries.token.get_secret_value() == "change-me-influxdb-token"
    assert settings.broker.host == "mosquitto" and settings.broker.username == "hub"
    assert settings.ledger_url.startswith("postgresql+psycopg://sitewatch:change-me-postgres@")
    assert set(settings.site_keys) == {"riverside-science-park"}
    assert settings.api.host == "0.0.0.0"


def test_simulated_agent_loads_and_signs_in_as_site_slash_gateway(
    resolved: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The agent's file and variables load, and its user name fits the broker's ACL pattern."""
    service = resolved["services"]["agent-simulator"]
    environment = service["environment"]
    assert set(environment) <= _field_paths(AgentSettings, "SITEWATCH_AGENT_")
    for name, value in environment.items():
        monkeypatch.setenv(name, str(value))
    mounts = {target: source for s, source, target in _bind_mounts(resolved)
              if s == "agent-simulator"}
    settings = load_settings(mounts["/etc/sitewatch/agent.yaml"])
    assert settings.broker.username == f"{settings.site}/{settings.gateway}"
    assert [source.type for source in settings.sources] == ["simulator"]
    assert settings.broker.host == "mosquitto"


def test_deploy_scripts_parse() -> None:
    """The shell scripts are at least syntactically sound."""
    for script in DEPLOY.rglob("*.sh"):
        shell = "sh" if script.name == "compose-entrypoint.sh" else "bash"
        subprocess.run([shell, "-n", str(script)], check=True)
