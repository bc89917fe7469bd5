"""Rules of the five-colour stability assessment, as data: hub/stats/stability_rules.yaml.

Each rule has a type, which selects its parameters, and `levels`: thresholds, rising,
each with the colour it gives, rising too (green is what no level gives).
"""

from __future__ import annotations

from collections import Counter
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hub.rules.model import Colour, RuleName
from hub.stats.colours import rank
from hub.stats.tenant_records import DisputeKind

DEFAULT_STABILITY_RULES = "stability_rules.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Level(_Model):
    colour: Colour = Field(description="colour given from this threshold up")

    @property
    def threshold(self) -> float:
        """The level's threshold, whatever its field is called."""
        raise NotImplementedError


class DropLevel(_Level):
    """A head-count drop of at least `drop` (0.4: down 40%)."""

    drop: float = Field(gt=0, le=1, description="drop of the mean, 0..1, from this up")

    @property
    def threshold(self) -> float:
        """The drop."""
        return self.drop


class OverDaysLevel(_Level):
    """More than `over_days` days."""

    over_days: int = Field(ge=0, description="more than this many days")

    @property
    def threshold(self) -> float:
        """The days."""
        return self.over_days


class CountLevel(_Level):
    """At least `count`."""

    count: int = Field(ge=1, description="from this many up")

    @property
    def threshold(self) -> float:
        """The count."""
        return self.count


class RateLevel(_Level):
    """A share of at least `rate`."""

    rate: float = Field(gt=0, le=1, description="share, 0..1, from this up")

    @property
    def threshold(self) -> float:
        """The rate."""
        return self.rate


class _Rule(_Model):
    name: RuleName = Field(description="unique name; reasons carry it")
    enabled: bool = Field(True, description="a disabled rule is kept but not applied")
    levels: list[Any]

    @model_validator(mode="after")
    def _rising_levels(self) -> _Rule:
        levels = self.levels
        if not levels:
            raise ValueError("levels: at least one is needed")
        if any(level.colour == "green" for level in levels):
            raise ValueError("levels: green is what no level gives; use blue or worse")
        for low, high in pairwise(levels):
            if not (high.threshold > low.threshold and rank(high.colour) > rank(low.colour)):
                raise ValueError("levels: thresholds and colours must both rise, in order")
        return self


class HeadcountDropRule(_Rule):
    """The mean daily head-count of the last `window_days` against the window before."""

    type: Literal["headcount_drop"]
    window_days: int = Field(14, ge=1, le=90, description="days in each window")
    min_days: int = Field(10, ge=1, description="days with figures needed in each window")
    min_previous_mean: float = Field(
        3, ge=0, description="below this earlier mean, a drop says too little to judge"
    )
    levels: list[DropLevel]

    @model_validator(mode="after")
    def _min_days_fit(self) -> HeadcountDropRule:
        if self.min_days > self.window_days:
            raise ValueError("min_days cannot exceed window_days")
        return self


class RentOverdueRule(_Rule):
    """Rent unpaid past its due date."""

    type: Literal["rent_overdue"]
    levels: list[OverDaysLevel]


class OpenDisputesRule(_Rule):
    """Disputes open now."""

    type: Literal["open_disputes"]
    kinds: list[DisputeKind] = Field(default_factory=list, description="empty: every kind")
    levels: list[CountLevel]


class ComplaintsRule(_Rule):
    """Complaints received in the last `window_days`."""

    type: Literal["complaints"]
    window_days: int = Field(90, ge=1, le=3660, description="days counted back from today")
    levels: list[CountLevel]


class DeniedRateRule(_Rule):
    """Share of entry attempts denied over the last `window_days`."""

    type: Literal["denied_rate"]
    window_days: int = Field(7, ge=1, le=90, description="days counted back from today")
    min_attempts: int = Field(20, ge=1, description="fewer attempts say too little to judge")
    levels: list[RateLevel]


class AfterHoursShareRule(_Rule):
    """Share of entries made after hours over the last `window_days`."""

    type: Literal["after_hours_share"]
    window_days: int = Field(14, ge=1, le=90, description="days counted back from today")
    min_entries: int = Field(20, ge=1, description="fewer entries say too little to judge")
    levels: list[RateLevel]


class LeaseExpiredRule(_Rule):
    """Days since the lease ended, while the enterprise is still registered."""

    type: Literal["lease_expired"]
    levels: list[OverDaysLevel]


StabilityRule = Annotated[
    HeadcountDropRule | RentOverdueRule | OpenDisputesRule | ComplaintsRule | DeniedRateRule
    | AfterHoursShareRule | LeaseExpiredRule,
    Field(discriminator="type"),
]


class StabilityRulesFile(_Model):
    """The rules file: a list of rules under `rules`."""

    rules: list[StabilityRule] = Field(default_factory=list, description="the rules")


class StabilityRulesError(ValueError):
    """A stability rules file that does not validate; the message says where and why."""


def parse_stability_rules(data: Any, source: str = "stability rules") -> list[StabilityRule]:
    """Validate a loaded rules document; StabilityRulesError names each rule at fault."""
    try:
        rules = StabilityRulesFile.model_validate(data).rules
    except ValidationError as exc:
        raise StabilityRulesError(f"{source}: " + "; ".join(
            _describe(error, data) for error in exc.errors(include_url=False)
        )) from None
    repeated = sorted(name for name, n in Counter(r.name for r in rules).items() if n > 1)
    if repeated:
        raise StabilityRulesError(f"{source}: rule names must be unique; repeated: "
                                  + ", ".join(repeated))
    return rules


def load_stability_rules(path: Path | None = None) -> list[StabilityRule]:
    """Read a rules file; None reads the one shipped with the hub."""
    if path is None:
        text = resources.files("hub.stats").joinpath(DEFAULT_STABILITY_RULES).read_text("utf-8")
        source = DEFAULT_STABILITY_RULES
    else:
        text, source = path.read_text(encoding="utf-8"), str(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise StabilityRulesError(f"{source}: not valid YAML: {exc}") from None
    return parse_stability_rules(data, source)


def _describe(error: Any, data: Any) -> str:
    """One error as `rule 'name' (#n), field f: message`."""
    loc = list(error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if len(loc) < 2 or loc[0] != "rules" or not isinstance(loc[1], int):
        return f"{'.'.join(str(p) for p in loc) or 'file'}: {message}"
    raw = data["rules"][loc[1]] if isinstance(data, dict) else None
    name = raw.get("name") if isinstance(raw, dict) else None
    rest = loc[2:]
    if rest and isinstance(raw, dict) and rest[0] == raw.get("type"):
        rest = rest[1:]  # the union's tag says nothing to a reader
    rule = f"rule {name!r} (#{loc[1] + 1})" if name else f"rule #{loc[1] + 1}"
    return f"{rule}, field {'.'.join(str(p) for p in rest)!r}: {message}" if rest else (
        f"{rule}: {message}"
    )
