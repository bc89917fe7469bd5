"""Which roles may call which route: the API's whole access policy, as data.

`hub.api.deps.authorize` enforces it on every route of the app, and `create_app` refuses to
build an app with a route missing here (tests/hub/test_api_policy.py walks them all).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from hub.access import ROLES, Role

Allowed = frozenset[Role] | None

OPEN: Allowed = None  # no token needed
EVERY_ROLE: Allowed = frozenset(ROLES)
# Property managers pass this gate but the routes narrow what they see to their sites.
EVENT_READERS: Allowed = frozenset({"security", "property_manager", "police", "admin"})
GATEWAY_READERS: Allowed = frozenset({"security", "property_manager", "admin"})
# Media carries no site in the ledger's index, so it cannot be narrowed to a manager's sites.
MEDIA_READERS: Allowed = frozenset({"security", "police", "admin"})
ADMIN: Allowed = frozenset({"admin"})

ROUTE_ROLES: Mapping[tuple[str, str], Allowed] = MappingProxyType({
    ("POST", "/api/v1/auth/token"): OPEN,
    ("GET", "/api/v1/auth/me"): EVERY_ROLE,
    ("GET", "/api/v1/events"): EVENT_READERS,
    ("GET", "/api/v1/events/{event_id}"): EVENT_READERS,
    ("GET", "/api/v1/media/{sha256}"): MEDIA_READERS,
    ("GET", "/api/v1/gateways"): GATEWAY_READERS,
    ("GET", "/api/v1/dead-letters"): ADMIN,
    ("GET", "/api/v1/audit-log"): ADMIN,
    ("GET", "/api/v1/audit-log/verify"): ADMIN,
    ("GET", "/healthz"): OPEN,
    ("GET", "/readyz"): OPEN,
    # FastAPI's own documentation routes.
    ("GET", "/openapi.json"): OPEN,
    ("GET", "/docs"): OPEN,
    ("GET", "/docs/oauth2-redirect"): OPEN,
    ("GET", "/redoc"): OPEN,
})


class Unlisted(LookupError):
    """A route of the app has no entry in the policy."""
