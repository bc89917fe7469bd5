"""What the rule engine emits: alarm signals, and the severity scale they carry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "low", "medium", "high", "critical")


def severity_rank(severity: Severity) -> int:
    """Position on the scale: info is 0, critical is 4."""
    return SEVERITIES.index(severity)


def raise_severity(severity: Severity, steps: int = 1) -> Severity:
    """The severity `steps` higher on the scale, stopping at critical."""
    return SEVERITIES[min(severity_rank(severity) + steps, len(SEVERITIES) - 1)]


def higher_severity(first: Severity, second: Severity) -> Severity:
    """The more severe of two."""
    return first if severity_rank(first) >= severity_rank(second) else second


@dataclass(frozen=True, slots=True)
class AlarmSignal:
    """One rule firing; signals with the same `key` fold into one alarm while it is open."""

    rule: str
    type: str
    severity: Severity
    site: str
    key: str  # what folds repeats: rule, site and the door, person, gateway... it is about
    ts: datetime
    title: str
    detail: dict[str, Any] = field(default_factory=dict)  # JSON-ready values only
    event_ids: tuple[str, ...] = ()
    escalate_after_s: float | None = None
