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
# Evidence leaves the hub in bulk: only those who investigate.
INVESTIGATORS: Allowed = frozenset({"security", "police", "admin"})
ALARM_ACTORS: Allowed = frozenset({"security", "admin"})
# Managers edit tenants (enterprises, persons, credentials) of their own sites only.
REGISTRY_EDITORS: Allowed = frozenset({"property_manager", "admin"})
_TENANTS = "/api/v1/registry/sites/{site}"
# Derived figures (hub.stats): guards watch occupancy; managers (of their sites) and admins
# see grades and colours and set overrides; police read an enterprise's dossier.
OCCUPANCY_READERS: Allowed = frozenset({"security", "property_manager", "admin"})
TENANT_ASSESSORS: Allowed = frozenset({"property_manager", "admin"})
DOSSIER_READERS: Allowed = frozenset({"property_manager", "police", "admin"})
_ENTERPRISE = "/api/v1/enterprises/{enterprise_id}"

ROUTE_ROLES: Mapping[tuple[str, str], Allowed] = MappingProxyType({
    ("POST", "/api/v1/auth/token"): OPEN,
    ("GET", "/api/v1/auth/me"): EVERY_ROLE,
    ("GET", "/api/v1/events"): EVENT_READERS,
    ("GET", "/api/v1/events/{event_id}"): EVENT_READERS,
    ("POST", "/api/v1/events/search"): EVENT_READERS,
    ("POST", "/api/v1/exports/investigation"): INVESTIGATORS,
    ("GET", "/api/v1/exports/access.csv"): EVENT_READERS,
    ("GET", "/api/v1/alarms"): EVENT_READERS,
    ("GET", "/api/v1/alarms/{alarm_id}"): EVENT_READERS,
    ("POST", "/api/v1/alarms/{alarm_id}/acknowledge"): ALARM_ACTORS,
    ("POST", "/api/v1/alarms/{alarm_id}/resolve"): ALARM_ACTORS,
    ("POST", "/api/v1/alarms/{alarm_id}/comment"): ALARM_ACTORS,
    ("GET", "/api/v1/registry/sites"): EVENT_READERS,
    ("GET", "/api/v1/registry/sites/{site}"): EVENT_READERS,
    ("PUT", "/api/v1/registry/sites/{site}"): ADMIN,
    ("DELETE", "/api/v1/registry/sites/{site}"): ADMIN,
    ("POST", "/api/v1/registry/import"): REGISTRY_EDITORS,
    ("GET", "/api/v1/registry/export"): EVENT_READERS,
    ("GET", _TENANTS + "/enterprises"): EVENT_READERS,
    ("GET", _TENANTS + "/enterprises/{enterprise_id}"): EVENT_READERS,
    ("PUT", _TENANTS + "/enterprises/{enterprise_id}"): REGISTRY_EDITORS,
    ("DELETE", _TENANTS + "/enterprises/{enterprise_id}"): REGISTRY_EDITORS,
    ("GET", _TENANTS + "/persons"): EVENT_READERS,
    ("GET", _TENANTS + "/persons/{pseudonym}"): EVENT_READERS,
    ("PUT", _TENANTS + "/persons/{pseudonym}"): REGISTRY_EDITORS,
    ("DELETE", _TENANTS + "/persons/{pseudonym}"): REGISTRY_EDITORS,
    ("GET", _TENANTS + "/credentials"): EVENT_READERS,
    ("GET", _TENANTS + "/credentials/{credential_type}/{ref}"): EVENT_READERS,
    ("PUT", _TENANTS + "/credentials/{credential_type}/{ref}"): REGISTRY_EDITORS,
    ("DELETE", _TENANTS + "/credentials/{credential_type}/{ref}"): REGISTRY_EDITORS,
    ("GET", "/api/v1/media/{sha256}"): MEDIA_READERS,
    ("GET", "/api/v1/gateways"): GATEWAY_READERS,
    ("GET", "/api/v1/dead-letters"): ADMIN,
    ("GET", "/api/v1/audit-log"): ADMIN,
    ("GET", "/api/v1/audit-log/verify"): ADMIN,
    ("GET", "/api/v1/live"): EVENT_READERS,
    ("GET", "/api/v1/occupancy"): OCCUPANCY_READERS,
    ("GET", "/api/v1/sites/{site}/grade"): TENANT_ASSESSORS,
    ("GET", "/api/v1/enterprises"): TENANT_ASSESSORS,
    ("GET", _ENTERPRISE): DOSSIER_READERS,
    ("PUT", _ENTERPRISE + "/colour-override"): TENANT_ASSESSORS,
    ("DELETE", _ENTERPRISE + "/colour-override"): TENANT_ASSESSORS,
    ("GET", "/healthz"): OPEN,
    ("GET", "/readyz"): OPEN,
    # Open like the probes: a scraper holds no expiring token; see hub.api.routes.metrics.
    ("GET", "/metrics"): OPEN,
    # FastAPI's own documentation routes.
    ("GET", "/openapi.json"): OPEN,
    ("GET", "/docs"): OPEN,
    ("GET", "/docs/oauth2-redirect"): OPEN,
    ("GET", "/redoc"): OPEN,
})


# Mounted apps (the console's static files) are outside the route dependencies, so
# `authorize` never runs for them: only open ones may be mounted, and each is listed here.
# `create_app` refuses a mount missing from this set. The console's data comes from the API
# above, with the user's own bearer token.
OPEN_MOUNTS: frozenset[str] = frozenset({"/console"})


class Unlisted(LookupError):
    """A route of the app has no entry in the policy."""
