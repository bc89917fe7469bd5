"""Building the alarm service from its settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.alarms import AlarmSettings
from hub.alarms.build import build_rule_engine, build_webhook
from hub.rules import RulesError, StaticRuleContext, load_default_rules


def test_the_engine_runs_the_configured_rules_file_or_else_the_shipped_one(
    tmp_path: Path,
) -> None:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text("rules:\n  - {name: forced, type: door_forced}\n", encoding="utf-8")
    configured = build_rule_engine(AlarmSettings(rules_file=rules_file), StaticRuleContext())
    assert [rule.name for rule in configured.rules] == ["forced"]
    shipped = build_rule_engine(AlarmSettings(), StaticRuleContext())
    assert [r.name for r in shipped.rules] == [r.name for r in load_default_rules() if r.enabled]
    rules_file.write_text("rules:\n  - {name: forced, type: door_forced, per: door}\n")
    with pytest.raises(RulesError, match="rule 'forced' \\(#1\\), field 'per'"):
        build_rule_engine(AlarmSettings(rules_file=rules_file), StaticRuleContext())


def test_the_webhook_is_built_from_its_settings() -> None:
    settings = AlarmSettings.model_validate(
        {"webhook": {"url": "https://ops.example.com/hooks/alarms", "token": "t0k3n"}}
    )
    assert settings.webhook is not None
    hook = build_webhook(settings.webhook)
    assert hook.url == "https://ops.example.com/hooks/alarms"
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        AlarmSettings.model_validate({"webhok": {}})
