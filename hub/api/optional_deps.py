"""Dependencies on the hub's optional parts (alarms, registry): 503 when it runs without one."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from hub.alarms import AlarmService
from hub.api.deps import hub_state
from hub.registry.store import RegistryStore


def get_alarms(request: Request) -> AlarmService:
    """The alarm service; 503 when the hub runs with alarms off."""
    alarms = hub_state(request).alarms
    if alarms is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "this hub runs without alarms")
    return alarms


def get_registry(request: Request) -> RegistryStore:
    """The registry store; 503 when the hub runs without one."""
    registry = hub_state(request).registry
    if registry is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            "this hub runs without a registry")
    return registry


AlarmsDep = Annotated[AlarmService, Depends(get_alarms)]
RegistryDep = Annotated[RegistryStore, Depends(get_registry)]
