"""The API application factory: it takes its collaborators, it does not create them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import FastAPI

from hub.api.routes import dead_letters, events, gateways, health
from hub.ledger import Ledger


@dataclass
class HubState:
    """What the routes need: the ledger, and how to tell whether the broker is connected."""

    ledger: Ledger
    broker_connected: Callable[[], bool] = field(default=lambda: True)


def create_app(state: HubState) -> FastAPI:
    """Build the API around a ledger and the hub's readiness probes."""
    app = FastAPI(
        title="sitewatch hub",
        version="1",
        summary="Events, gateways and dead letters of a sitewatch hub.",
    )
    app.state.hub = state
    app.include_router(events.router, prefix="/api/v1")
    app.include_router(gateways.router, prefix="/api/v1")
    app.include_router(dead_letters.router, prefix="/api/v1")
    app.include_router(health.router)
    return app
