"""Plain records of the alarm store: a query of the alarm list, and one history entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.alarms.lifecycle import AlarmState
from hub.rules.signals import Severity

SYSTEM_ACTOR = "system"  # the actor of what the engine does: opening, escalating


@dataclass(frozen=True, slots=True)
class AlarmQuery:
    """A page of the alarm list, newest first; every filter is optional."""

    state: AlarmState | None = None
    site: str | None = None
    sites: tuple[str, ...] | None = None  # the caller's scope: only these sites
    severity: Severity | None = None
    limit: int = 100
    before_id: str | None = None  # the last id of the previous page


@dataclass(frozen=True, slots=True)
class AlarmAction:
    """One entry of an alarm's history: who did what, when."""

    id: int
    alarm_id: str
    at: datetime
    actor: str
    action: str
    comment: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
