"""The access policy joined to the app's routes, so each request finds its rule by endpoint."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from starlette.routing import BaseRoute

from hub.api.policy import ROUTE_ROLES, Allowed, Unlisted

try:  # FastAPI ≥ 0.160 keeps included routers as lazy wrappers in `app.routes`.
    from fastapi.routing import iter_route_contexts
except ImportError:  # older FastAPI copies every route into `app.routes`
    iter_route_contexts = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One method of one route: its path template and the function that serves it."""

    method: str
    path: str
    call: Callable[..., Any] | None


@dataclass(frozen=True, slots=True)
class RouteRule:
    """The roles that may call one endpoint (None: open to all)."""

    method: str
    path: str
    allowed: Allowed


def app_endpoints(app: FastAPI) -> list[Endpoint]:
    """Every (method, path, function) the app serves, across included routers; HEAD left out."""
    routes: Iterable[Any] = app.routes
    if iter_route_contexts is not None:
        routes = iter_route_contexts(app.routes)
    return [
        Endpoint(method, str(route.path), route.endpoint)
        for route in routes
        for method in sorted(getattr(route, "methods", None) or ())
        if method != "HEAD"
    ]


class RouteRules:
    """The policy's rule for each endpoint of an app; built once, when the app is."""

    def __init__(
        self, app: FastAPI, policy: Mapping[tuple[str, str], Allowed] = ROUTE_ROLES
    ) -> None:
        endpoints = app_endpoints(app)
        missing = [f"{e.method} {e.path}" for e in endpoints if (e.method, e.path) not in policy]
        if missing:  # refuse to build an app with a route nobody wrote a rule for
            raise Unlisted(f"no access rule in hub.api.policy for: {', '.join(missing)}")
        # Keyed by the endpoint function: what the router matched, whatever the prefix.
        self._rules: dict[tuple[str, object], RouteRule] = {
            (e.method, e.call): RouteRule(e.method, e.path, policy[(e.method, e.path)])
            for e in endpoints
        }

    def for_route(self, method: str, route: BaseRoute | None) -> RouteRule | None:
        """The rule of the route a request matched; None if it has none."""
        endpoint = getattr(route, "endpoint", None)
        return self._rules.get(("GET" if method == "HEAD" else method, endpoint))
