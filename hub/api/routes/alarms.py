"""Alarms: list, one with its history, acknowledge, resolve, comment; every call audited."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool

from hub.alarms import (
    Alarm,
    AlarmNotFoundError,
    AlarmQuery,
    AlarmState,
    AlarmTransitionError,
    alarm_document,
)
from hub.api.deps import AuditTrail, AuditTrailDep
from hub.api.optional_deps import AlarmsDep
from hub.api.schemas_alarms import (
    AcknowledgeIn,
    AlarmActionOut,
    AlarmDetailOut,
    AlarmPageOut,
    CommentIn,
    ResolveIn,
)
from hub.rules.signals import Severity

router = APIRouter(tags=["alarms"])


@router.get("/alarms", response_model=AlarmPageOut)
async def list_alarms(
    alarms: AlarmsDep,
    trail: AuditTrailDep,
    state: AlarmState | None = None,
    site: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    severity: Severity | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[str | None, Query(max_length=26, description="alarms with a smaller id")]
    = None,
) -> AlarmPageOut:
    """Alarms newest first; a property manager sees only those of their sites."""
    principal = trail.principal
    if site is not None and not principal.may_see_site(site):
        await trail.deny(f"site {site} is not one you manage", site)
    query = AlarmQuery(state=state, site=site, severity=severity, limit=limit, before_id=before,
                       sites=principal.sites if principal.site_scoped else None)
    found = await run_in_threadpool(alarms.list_alarms, query)
    given = {"state": state, "site": site, "severity": severity, "before": before}
    await trail.record("alarms.list", site, **{k: v for k, v in given.items() if v is not None},
                       limit=limit, returned=len(found))
    return AlarmPageOut.of(found, limit)


@router.get("/alarms/{alarm_id}", response_model=AlarmDetailOut)
async def get_alarm(alarms: AlarmsDep, trail: AuditTrailDep, alarm_id: str) -> AlarmDetailOut:
    """One alarm with its history."""
    alarm = await _visible(alarms.get_alarm, trail, alarm_id)
    history = await run_in_threadpool(alarms.history, alarm_id)
    await trail.record("alarm.view", alarm_id, site=alarm.site)
    return AlarmDetailOut(alarm=alarm_document(alarm),
                          history=[AlarmActionOut.of(a) for a in history])


@router.post("/alarms/{alarm_id}/acknowledge", response_model=AlarmDetailOut)
async def acknowledge_alarm(
    alarms: AlarmsDep, trail: AuditTrailDep, alarm_id: str, body: AcknowledgeIn
) -> AlarmDetailOut:
    """Acknowledge (stops escalation), or re-assign; 409 if it is resolved."""
    act = partial(alarms.acknowledge, alarm_id, trail.principal.username, body.comment,
                  body.assignee)
    changed = await _act(trail, alarm_id, "alarm.acknowledge", act, body.model_dump())
    return await _detail(alarms, changed)


@router.post("/alarms/{alarm_id}/resolve", response_model=AlarmDetailOut)
async def resolve_alarm(
    alarms: AlarmsDep, trail: AuditTrailDep, alarm_id: str, body: ResolveIn
) -> AlarmDetailOut:
    """Resolve; 409 if it is resolved already."""
    act = partial(alarms.resolve, alarm_id, trail.principal.username, body.comment)
    changed = await _act(trail, alarm_id, "alarm.resolve", act, body.model_dump())
    return await _detail(alarms, changed)


@router.post("/alarms/{alarm_id}/comment", response_model=AlarmDetailOut)
async def comment_alarm(
    alarms: AlarmsDep, trail: AuditTrailDep, alarm_id: str, body: CommentIn
) -> AlarmDetailOut:
    """Add a comment, in any state."""
    act = partial(alarms.comment, alarm_id, trail.principal.username, body.comment)
    changed = await _act(trail, alarm_id, "alarm.comment", act, body.model_dump())
    return await _detail(alarms, changed)


async def _visible(
    get: Callable[[str], Alarm | None], trail: AuditTrail, alarm_id: str
) -> Alarm:
    """The alarm if this user may see it: 404 if none, 403 (audited) if not theirs."""
    alarm = await run_in_threadpool(get, alarm_id)
    if alarm is None:
        raise HTTPException(404, f"no alarm {alarm_id}")
    if not trail.principal.may_see_site(alarm.site):
        await trail.deny(f"alarm {alarm_id} belongs to a site you do not manage", alarm_id,
                         site=alarm.site)
    return alarm


async def _act(
    trail: AuditTrail, alarm_id: str, action: str, change: Callable[[], Alarm],
    given: dict[str, Any],
) -> Alarm:
    """Make a change; 404 for an unknown alarm, 409 for one its state does not allow."""
    try:
        changed = await run_in_threadpool(change)
    except AlarmNotFoundError:
        raise HTTPException(404, f"no alarm {alarm_id}") from None
    except AlarmTransitionError as exc:
        raise HTTPException(409, str(exc)) from None
    # Recorded once the change is made: the entry says what was done, not what was tried.
    detail = {name: value for name, value in given.items() if value is not None}
    await trail.record(action, alarm_id, site=changed.site, state=changed.state, **detail)
    return changed


async def _detail(alarms: AlarmsDep, alarm: Alarm) -> AlarmDetailOut:
    history = await run_in_threadpool(alarms.history, alarm.id)
    return AlarmDetailOut(alarm=alarm_document(alarm),
                          history=[AlarmActionOut.of(a) for a in history])
