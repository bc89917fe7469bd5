"""Rules as data (a YAML file) and the pure engine that turns events into alarm signals."""

from hub.rules.context import BusinessHours, PersonFacts, RuleContext, StaticRuleContext
from hub.rules.engine import EngineCounters, RuleEngine
from hub.rules.evaluator import EngineLimits
from hub.rules.model import (
    RULE_TYPES,
    Rule,
    RulesError,
    load_default_rules,
    load_rules,
    parse_rules,
)
from hub.rules.signals import SEVERITIES, AlarmSignal, Severity, raise_severity

__all__ = [
    "RULE_TYPES",
    "SEVERITIES",
    "AlarmSignal",
    "BusinessHours",
    "EngineCounters",
    "EngineLimits",
    "PersonFacts",
    "Rule",
    "RuleContext",
    "RuleEngine",
    "RulesError",
    "Severity",
    "StaticRuleContext",
    "load_default_rules",
    "load_rules",
    "parse_rules",
    "raise_severity",
]
