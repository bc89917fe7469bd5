"""Rules as data: a YAML file of rules, each validated by a pydantic model of its type."""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from hub.rules.signals import Severity

RuleName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")]
SiteName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")]
Metric = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Colour = Literal["green", "blue", "yellow", "orange", "red"]
DEFAULT_RULES = "default_rules.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleScope(_Model):
    """Where a rule applies."""

    sites: list[SiteName] = Field(
        default_factory=list, description="sites the rule watches; empty means every site"
    )


class RuleBase(_Model):
    """What every rule has, whatever its type."""

    type: str = Field(description="the rule's type; selects its parameters")
    name: RuleName = Field(description="unique name; alarms and their keys carry it")
    severity: Severity = Field("medium", description="severity of the alarms it raises")
    enabled: bool = Field(True, description="a disabled rule is kept in the file but not run")
    scope: RuleScope = Field(default_factory=RuleScope, description="where the rule applies")
    escalate_after_s: float | None = Field(
        None,
        gt=0,
        description="escalate an alarm nobody acknowledged within this many seconds; "
        "null never escalates",
    )

    def applies_to(self, site: str) -> bool:
        """Whether the rule watches `site`."""
        return not self.scope.sites or site in self.scope.sites


class FeverRule(RuleBase):
    """A place scan whose temperature reaches a threshold."""

    type: Literal["fever"]
    threshold_c: float = Field(37.3, ge=35.0, le=42.0, description="fever from this °C up")


class HealthCodeRule(RuleBase):
    """A place scan showing a red (or yellow) health code."""

    type: Literal["health_code"]
    colours: list[Literal["red", "yellow"]] = Field(
        default_factory=lambda: list[Literal["red", "yellow"]](["red"]),
        min_length=1,
        description="health codes that alarm",
    )


class DeniedBurstRule(RuleBase):
    """N denials within a window, per door or per person."""

    type: Literal["denied_burst"]
    denials: int = Field(5, ge=2, le=1000, description="denials that make a burst")
    window_s: float = Field(300.0, gt=0, le=86_400, description="window the denials fall in")
    per: Literal["door", "person"] = Field("door", description="count per door or per person")
    include_scans: bool = Field(
        True, description="count place scans with verdict deny as well as access denials"
    )


class AfterHoursRule(RuleBase):
    """An entry outside the site's business hours by someone without after-hours permission."""

    type: Literal["after_hours"]
    include_unknown: bool = Field(
        True, description="alarm on entries by persons the registry does not know"
    )
    exempt_person_types: list[str] = Field(
        default_factory=lambda: ["staff"], description="person types never alarmed on"
    )


class TailgatingRule(RuleBase):
    """More persons cross a door's camera line inwards than badges were granted there."""

    type: Literal["tailgating"]
    window_s: float = Field(
        10.0, gt=0, le=600, description="a badge-in this close in time to a crossing admits it"
    )
    settle_s: float = Field(
        5.0, ge=0, le=600,
        description="seconds (hub time) to wait after a crossing arrives for late badge events",
    )
    tolerance: int = Field(0, ge=0, description="unbadged persons per decision tolerated")
    count_scans: bool = Field(
        True, description="a place scan with verdict pass at the gate counts as a badge-in"
    )


class DoorForcedRule(RuleBase):
    """A door opened without a grant."""

    type: Literal["door_forced"]


class DoorHeldOpenRule(RuleBase):
    """A door held open too long."""

    type: Literal["door_held_open"]


class CrowdingRule(RuleBase):
    """A camera's crowd detection, or a building's occupancy over its capacity."""

    type: Literal["crowding"]
    source: Literal["camera", "occupancy"] = Field(
        "camera", description="camera crowd events, or occupancy counted from access events"
    )
    min_count: int = Field(1, ge=1, description="camera: persons a crowd event must count")
    capacity_ratio: float = Field(
        1.0, gt=0, le=10, description="occupancy: alarm above this share of the capacity"
    )


class GatewayOfflineRule(RuleBase):
    """A gateway's last will (status offline), or health reports that stopped."""

    type: Literal["gateway_offline"]
    health_interval_s: float = Field(30.0, gt=0, description="agents' health report interval")
    missed_reports: int = Field(3, ge=1, description="reports missed before alarming")


class CameraTamperRule(RuleBase):
    """A camera reports tampering (covered, moved, defocused)."""

    type: Literal["camera_tamper"]
    min_score: float = Field(0.0, ge=0, le=1, description="ignore detections scored lower")


class CameraOfflineRule(RuleBase):
    """A camera reported offline, or at 0 fps, in its gateway's health."""

    type: Literal["camera_offline"]


class RedEnterpriseAfterHoursRule(RuleBase):
    """A person of a red-rated enterprise active after hours."""

    type: Literal["red_enterprise_after_hours"]
    colours: list[Colour] = Field(
        default_factory=lambda: list[Colour](["red"]),
        min_length=1,
        description="risk colours that alarm",
    )


class SensorAlarmRule(RuleBase):
    """A facility sensor event with alarm=true."""

    type: Literal["sensor_alarm"]
    metrics: list[Metric] = Field(
        default_factory=list, description="metrics watched; empty means every metric"
    )
    severities: dict[Metric, Severity] = Field(
        default_factory=dict, description="severity per metric; others get `severity`"
    )


Rule = Annotated[
    FeverRule
    | HealthCodeRule
    | DeniedBurstRule
    | AfterHoursRule
    | TailgatingRule
    | DoorForcedRule
    | DoorHeldOpenRule
    | CrowdingRule
    | GatewayOfflineRule
    | CameraTamperRule
    | CameraOfflineRule
    | RedEnterpriseAfterHoursRule
    | SensorAlarmRule,
    Field(discriminator="type"),
]
RULE_TYPES: tuple[str, ...] = (
    "fever", "health_code", "denied_burst", "after_hours", "tailgating", "door_forced",
    "door_held_open", "crowding", "gateway_offline", "camera_tamper", "camera_offline",
    "red_enterprise_after_hours", "sensor_alarm",
)


class RulesFile(_Model):
    """The rules file: a list of rules under `rules`."""

    rules: list[Rule] = Field(default_factory=list, description="the rules, in any order")


class RulesError(ValueError):
    """A rules file that does not validate; the message names each rule and field at fault."""


def parse_rules(data: Any, source: str = "rules") -> list[Rule]:
    """Validate a loaded rules document; RulesError says which rule and field are wrong."""
    try:
        rules = RulesFile.model_validate(data).rules
    except ValidationError as exc:
        lines = [_describe(error, data) for error in exc.errors()]
        raise RulesError(f"{source}: " + "\n".join(lines)) from None
    repeated = sorted(name for name, n in Counter(r.name for r in rules).items() if n > 1)
    if repeated:
        raise RulesError(f"{source}: rule names must be unique; repeated: {', '.join(repeated)}")
    return rules


def load_rules(path: Path) -> list[Rule]:
    """Read and validate a YAML rules file."""
    return parse_rules(_read_yaml(path.read_text(encoding="utf-8"), str(path)), str(path))


def load_default_rules() -> list[Rule]:
    """The rules shipped with the hub (hub/rules/default_rules.yaml)."""
    text = resources.files("hub.rules").joinpath(DEFAULT_RULES).read_text(encoding="utf-8")
    return parse_rules(_read_yaml(text, DEFAULT_RULES), DEFAULT_RULES)


def _read_yaml(text: str, source: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"{source}: not valid YAML: {exc}") from None


def _describe(error: Any, data: Any) -> str:
    """One validation error as `rule 'name' (#n), field f: message`."""
    loc = list(error["loc"])
    message = error["msg"]
    if len(loc) < 2 or loc[0] != "rules" or not isinstance(loc[1], int):
        where = ".".join(str(part) for part in loc) or "file"
        return f"{where}: {message}"
    index = loc[1]
    raw = data["rules"][index] if isinstance(data, dict) else None
    name = raw.get("name") if isinstance(raw, dict) else None
    rest = loc[2:]
    # A discriminated union puts the rule's type in the path: it says nothing to a reader.
    if rest and isinstance(raw, dict) and rest[0] == raw.get("type"):
        rest = rest[1:]
    rule = f"rule {name!r} (#{index + 1})" if name else f"rule #{index + 1}"
    if not rest:
        return f"{rule}: {message}"
    field = ".".join(str(part) for part in rest)
    return f"{rule}, field {field!r}: {message}"
