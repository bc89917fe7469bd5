"""The event kinds each evaluator declares: the engine routes events by them."""

from __future__ import annotations

from hub.rules.engine import EVALUATORS
from sitewatch.protocol import EVENT_KINDS


def test_every_declared_kind_is_a_protocol_kind() -> None:
    """A misspelt kind would silently starve a rule of its events."""
    for rule_type, factory in EVALUATORS.items():
        kinds = getattr(factory, "kinds", None)
        assert kinds is None or (kinds and kinds <= set(EVENT_KINDS)), rule_type


def test_the_instant_rules_see_only_their_kind() -> None:
    """The rules keyed to one kind of event declare it (so other events skip them)."""
    expected = {"fever": {"place_scan"}, "health_code": {"place_scan"}, "door_forced": {"access"},
                "camera_tamper": {"camera"}, "sensor_alarm": {"sensor"}}
    for rule_type, kinds in expected.items():
        assert getattr(EVALUATORS[rule_type], "kinds", None) == kinds, rule_type
