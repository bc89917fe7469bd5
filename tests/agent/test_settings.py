"""Agent settings: YAML file, environment overrides, refusals, config hash."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from edge_agent.bootstrap import build_agent
from edge_agent.settings import AgentSettings, SourceContext, load_settings
from tests.agent.fakes import FakeLink

KEY = "k" * 32


def write(tmp_path: Path, text: str) -> Path:
    """Write a settings file and return its path."""
    path = tmp_path / "agent.yaml"
    path.write_text(text)
    return path


def test_yaml_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(
        tmp_path,
        f"site: park-1\ngateway: gw-1\nsite_key: {KEY}\n"
        "broker: {host: broker.local, port: 1884}\n"
        "sources:\n  - {type: simulator, name: sim, rate_per_s: 5}\n",
    )
    monkeypatch.setenv("SITEWATCH_AGENT_BROKER__PORT", "8883")
    monkeypatch.setenv("SITEWATCH_AGENT_DELIVERY__MAX_INFLIGHT", "200")
    settings = load_settings(path)
    assert (settings.broker.host, settings.broker.port) == ("broker.local", 8883)
    assert settings.delivery.max_inflight == 200
    assert settings.delivery.batch_threshold == 50
    assert settings.topic_prefix == "sitewatch/v1"
    (source,) = settings.sources
    assert (source.type, source.label, source.options()) == ("simulator", "sim", {"rate_per_s": 5})
    assert settings.client_id == "sitewatch-agent-park-1-gw-1"
    assert SourceContext.from_settings(settings).site_key == KEY.encode()


def test_unknown_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="extra"):
        load_settings(write(tmp_path, f"site: s\nsite_key: {KEY}\nbroker: {{hots: x}}\n"))


def test_dev_site_key_only_in_development() -> None:
    with pytest.raises(ValidationError, match="development key"):
        AgentSettings(site="s")
    assert AgentSettings(site="s", environment="development").site == "s"


def test_batch_threshold_must_fit_a_batch() -> None:
    with pytest.raises(ValidationError, match="batch_threshold"):
        AgentSettings(site="s", site_key=KEY, delivery={"batch_threshold": 600})


def test_config_hash_ignores_secrets_but_not_settings() -> None:
    base = AgentSettings(site="s", gateway="g", site_key=KEY)
    other_key = AgentSettings(site="s", gateway="g", site_key="z" * 32, broker={"password": "p"})
    other_port = AgentSettings(site="s", gateway="g", site_key=KEY, broker={"port": 1884})
    assert base.config_hash() == other_key.config_hash()
    assert base.config_hash() != other_port.config_hash()
    assert len(base.config_hash()) == 64


def test_every_field_is_described() -> None:
    def walk(model: type) -> list[str]:
        missing = []
        for name, field in model.model_fields.items():  # type: ignore[attr-defined]
            if not field.description:
                missing.append(f"{model.__name__}.{name}")
            annotation = field.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                missing += walk(annotation)
        return missing

    assert walk(AgentSettings) == []


def test_the_example_file_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    example = Path(__file__).resolve().parents[2] / "deploy" / "agent.example.yaml"
    monkeypatch.setenv("SITEWATCH_AGENT_SITE_KEY", KEY)
    settings = load_settings(example)
    assert (settings.site, settings.broker.port, settings.broker.tls.active) == (
        "riverside-science-park", 8883, True,
    )
    assert [s.type for s in settings.sources] == [
        "place_scan_http", "access_http", "access_log", "vehicle_http", "sensor_http",
        "scanner_lines", "camera", "camera_qr", "simulator",
    ]


def test_the_example_file_builds_an_agent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = Path(__file__).resolve().parents[2] / "deploy" / "agent.example.yaml"
    monkeypatch.setenv("SITEWATCH_AGENT_SITE_KEY", KEY)
    monkeypatch.setenv("SITEWATCH_AGENT_OUTBOX__PATH", str(tmp_path / "outbox.db"))
    # Every entry is validated by its source's own settings model as the agent is built.
    agent = build_agent(load_settings(example), link=FakeLink())
    assert [s.name for s in agent.sources] == [
        "sentinels", "doors", "plates", "facility", "north-gate-cam"
    ]
    agent.outbox.close()
