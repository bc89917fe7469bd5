"""Rules as data: the YAML file, its validation errors, the shipped defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.rules import RULE_TYPES, RulesError, load_default_rules, load_rules, parse_rules
from hub.rules.model import DeniedBurstRule, SensorAlarmRule


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_rules_file_loads_with_defaults_for_what_it_leaves_out(tmp_path: Path) -> None:
    path = write(tmp_path, """
rules:
  - name: bursts
    type: denied_burst
    per: person
    denials: 3
    scope: {sites: [park]}
  - name: sensors
    type: sensor_alarm
    severities: {smoke: critical}
""")
    burst, sensors = load_rules(path)
    assert isinstance(burst, DeniedBurstRule)
    assert (burst.per, burst.denials, burst.window_s) == ("person", 3, 300)
    assert burst.severity == "medium"
    assert burst.applies_to("park") and not burst.applies_to("market")
    assert burst.escalate_after_s is None and burst.enabled
    assert isinstance(sensors, SensorAlarmRule) and sensors.severities == {"smoke": "critical"}
    assert sensors.applies_to("anywhere")


def test_the_shipped_rules_validate_and_cover_every_rule_type() -> None:
    rules = load_default_rules()
    assert {rule.type for rule in rules} == set(RULE_TYPES)
    assert len({rule.name for rule in rules}) == len(rules)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("{name: hot, type: fever, threshold_c: 55}",
         "rule 'hot' (#2), field 'threshold_c': Input should be less than or equal to 42"),
        ("{name: hot, type: fever, treshold_c: 38}",
         "rule 'hot' (#2), field 'treshold_c': Extra inputs are not permitted"),
        ("{name: many, type: denied_burst, per: floor}",
         "rule 'many' (#2), field 'per': Input should be 'door' or 'person'"),
        ("{name: loud, type: sensor_alarm, severities: {smoke: urgent}}",
         "rule 'loud' (#2), field 'severities.smoke': Input should be 'info', 'low'"),
        ("{name: odd, type: thermometer}",
         "rule 'odd' (#2): Input tag 'thermometer' found using 'type' does not match"),
        ("{type: fever}", "rule #2, field 'name': Field required"),
        ("{name: bad name, type: fever}", "rule 'bad name' (#2), field 'name': String should"),
    ],
)
def test_a_bad_rule_is_reported_with_its_name_and_field(
    tmp_path: Path, rule: str, expected: str
) -> None:
    path = write(tmp_path, f"rules:\n  - {{name: fine, type: door_forced}}\n  - {rule}\n")
    with pytest.raises(RulesError) as raised:
        load_rules(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_every_error_of_a_file_is_reported_at_once() -> None:
    data = {"rules": [{"name": "a", "type": "fever", "threshold_c": "hot"},
                      {"name": "b", "type": "tailgating", "window_s": -1}]}
    with pytest.raises(RulesError) as raised:
        parse_rules(data, "test.yaml")
    lines = str(raised.value).splitlines()
    assert len(lines) == 2
    assert "rule 'a' (#1), field 'threshold_c'" in lines[0]
    assert "rule 'b' (#2), field 'window_s': Input should be greater than 0" in lines[1]


def test_repeated_rule_names_are_refused() -> None:
    data = {"rules": [{"name": "x", "type": "fever"}, {"name": "x", "type": "door_forced"}]}
    with pytest.raises(RulesError, match="rule names must be unique; repeated: x"):
        parse_rules(data)


def test_a_file_that_is_not_yaml_or_not_a_rules_mapping_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="not valid YAML"):
        load_rules(write(tmp_path, "rules: [unclosed"))
    with pytest.raises(RulesError, match="rules: Input should be a valid list"):
        load_rules(write(tmp_path, "rules: {name: x}"))
    with pytest.raises(RulesError, match="surplus: Extra inputs are not permitted"):
        load_rules(write(tmp_path, "rules: []\nsurplus: 1\n"))
