"""Request and response schemas of the alarms API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from hub.alarms import Alarm, AlarmAction, alarm_document

Comment = Annotated[str, Field(min_length=1, max_length=2000)]
UserName = Annotated[str, Field(min_length=1, max_length=128)]


class AcknowledgeIn(BaseModel):
    """Acknowledging an alarm (again, to re-assign it)."""

    model_config = ConfigDict(extra="forbid")

    comment: Comment | None = None
    assignee: UserName | None = Field(None, description="who takes care of it")


class ResolveIn(BaseModel):
    """Resolving an alarm."""

    model_config = ConfigDict(extra="forbid")

    comment: Comment | None = None


class CommentIn(BaseModel):
    """A comment on an alarm, in any state."""

    model_config = ConfigDict(extra="forbid")

    comment: Comment


class AlarmActionOut(BaseModel):
    """One entry of an alarm's history."""

    id: int
    at: datetime
    actor: str
    action: str = Field(description="opened, escalated, acknowledged, resolved, commented")
    comment: str | None
    detail: dict[str, Any]

    @classmethod
    def of(cls, action: AlarmAction) -> AlarmActionOut:
        """From the store's record."""
        return cls(id=action.id, at=action.at, actor=action.actor, action=action.action,
                   comment=action.comment, detail=action.detail)


class AlarmPageOut(BaseModel):
    """Alarms, newest first."""

    items: list[dict[str, Any]] = Field(description="alarms as the notifiers send them")
    next_before: str | None = Field(description="pass as `before` for the next page")

    @classmethod
    def of(cls, alarms: list[Alarm], limit: int) -> AlarmPageOut:
        """A page of `limit` asked for."""
        next_before = alarms[-1].id if len(alarms) == limit else None
        return cls(items=[alarm_document(a) for a in alarms], next_before=next_before)


class AlarmDetailOut(BaseModel):
    """One alarm and everything done to it, oldest first."""

    alarm: dict[str, Any]
    history: list[AlarmActionOut]
