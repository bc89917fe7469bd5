"""The API application factory: it takes its collaborators, it does not create them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI
from starlette.routing import Mount

from hub.accounts import Accounts
from hub.api.deps import authorize
from hub.api.limits import BODY_TIMEOUT_S, DEFAULT_MAX_BODY_BYTES, BodyLimits
from hub.api.policy import OPEN_MOUNTS, Unlisted
from hub.api.route_rules import RouteRules
from hub.api.routes import alarms as alarm_routes
from hub.api.routes import audit_log, auth, dead_letters, events, gateways, health, media
from hub.api.routes import enterprises as enterprise_routes
from hub.api.routes import exports as export_routes
from hub.api.routes import live as live_routes
from hub.api.routes import metrics as metrics_routes
from hub.api.routes import registry as registry_routes
from hub.api.routes import registry_tenants as registry_tenant_routes
from hub.api.routes import sites as site_routes
from hub.api.routes.registry import MAX_IMPORT_BYTES
from hub.console import CONSOLE_PATH, ConsoleFiles
from hub.exports import MAX_EXPORT_EVENTS
from hub.ledger import Ledger
from hub.ledger.audit_store import AuditLog
from hub.tokens import TokenIssuer

if TYPE_CHECKING:
    from hub.alarms import AlarmService
    from hub.live import LiveHub
    from hub.registry.live import LiveRegistry
    from hub.registry.store import RegistryStore
    from hub.service import IngestService
    from hub.stats import StatsService
    from hub.timeseries import TimeSeriesWriter


@dataclass
class HubState:
    """What the routes need: ledger, accounts, tokens, audit log, and the broker's state."""

    ledger: Ledger
    accounts: Accounts
    tokens: TokenIssuer
    audit: AuditLog
    broker_connected: Callable[[], bool] = field(default=lambda: True)
    # The parts below are optional so a test can build an app with only what it needs.
    registry: RegistryStore | None = None
    live_registry: LiveRegistry | None = None
    alarms: AlarmService | None = None
    ingest: IngestService | None = None
    timeseries: TimeSeriesWriter | None = None
    live: LiveHub | None = None  # the live stream's fan-out
    site_keys: Mapping[str, bytes] = field(default_factory=dict)  # for raw ID-number search
    export_max_events: int = MAX_EXPORT_EVENTS  # events one investigation export may hold
    stats: StatsService | None = None  # occupancy, site grades, enterprise colours
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # larger request bodies are refused (413)
    body_timeout_s: float = BODY_TIMEOUT_S  # a body still arriving after this is refused (408)


def create_app(state: HubState) -> FastAPI:
    """Build the API around a ledger and the hub's readiness probes."""
    app = FastAPI(
        title="sitewatch hub",
        version="1",
        summary="Events, gateways, dead letters and the audit log of a sitewatch hub.",
        # Every route passes the access policy (hub.api.policy); open ones say so there.
        dependencies=[Depends(authorize)],
    )
    app.state.hub = state
    app.add_middleware(
        BodyLimits, max_bytes=state.max_body_bytes, timeout_s=state.body_timeout_s,
        # An import file may be larger than any other body; multipart framing on top.
        path_max_bytes={"/api/v1/registry/import": max(state.max_body_bytes,
                                                       MAX_IMPORT_BYTES + (1 << 20))},
    )
    for router in (auth, events, media, gateways, dead_letters, audit_log):
        app.include_router(router.router, prefix="/api/v1")
    app.include_router(live_routes.router, prefix="/api/v1")
    for router in (alarm_routes, export_routes, registry_routes, registry_tenant_routes):
        app.include_router(router.router, prefix="/api/v1")
    for router in (site_routes, enterprise_routes):
        app.include_router(router.router, prefix="/api/v1")
    app.include_router(health.router)
    app.include_router(metrics_routes.router)
    # The console: static files that call the API above with the signed-in user's token.
    app.mount(CONSOLE_PATH, ConsoleFiles(), name="console")
    app.state.route_rules = RouteRules(app)
    refuse_unlisted_mounts(app)
    document_refusals(app)
    return app


def document_refusals(app: FastAPI) -> None:
    """Say in the OpenAPI schema that a 422's `detail` may be a message, not only a list.

    FastAPI documents 422 as its request-validation list, but the routes also answer 422
    with a sentence (HTTPException) when a request is well-formed and still cannot run.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()  # FastAPI keeps it in app.openapi_schema: patched once
            schemas = document.get("components", {}).get("schemas", {})
            detail = schemas.get("HTTPValidationError", {}).get("properties", {}).get("detail")
            if detail is not None:
                title = detail.pop("title", "Detail")
                schemas["HTTPValidationError"]["properties"]["detail"] = {
                    "title": title, "anyOf": [detail, {"type": "string"}],
                }
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


def refuse_unlisted_mounts(app: FastAPI) -> None:
    """Refuse a mounted app the policy does not list as open: `authorize` cannot guard it."""
    unlisted = [r.path for r in app.routes if isinstance(r, Mount) and r.path not in OPEN_MOUNTS]
    if unlisted:
        raise Unlisted(f"mounted apps not in hub.api.policy.OPEN_MOUNTS: {', '.join(unlisted)}")
