"""Every route of the app against every role: the access policy is complete and enforced."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import APIRouter, FastAPI

from hub.access import ROLES
from hub.api.policy import ROUTE_ROLES, Unlisted
from hub.api.route_rules import RouteRules, app_endpoints
from tests.support.api_app import ApiUnderTest, serve_api

# What a token from a property manager is scoped to; the others see every site.
ROLE_SITES = {"property_manager": ("park-1",)}


@pytest.fixture
def api(ledger_url: str) -> Iterator[ApiUnderTest]:
    """The API on a migrated ledger of each engine."""
    with serve_api(ledger_url) as served:
        yield served


def endpoints(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route of `app.routes`, included routers flattened."""
    return [(e.method, e.path) for e in app_endpoints(app)]


def sample_url(path: str) -> str:
    """A concrete URL for a template: every parameter becomes 64 zeros (no such object)."""
    return re.sub(r"\{[^}]+\}", "0" * 64, path)


def test_every_route_has_a_rule_and_every_rule_a_route(api: ApiUnderTest) -> None:
    routes = endpoints(api.client.app)  # type: ignore[arg-type]
    assert len(routes) >= 10
    assert sorted(set(routes) - set(ROUTE_ROLES)) == [], "routes missing from hub.api.policy"
    assert sorted(set(ROUTE_ROLES) - set(routes)) == [], "policy rules naming no route"


def test_a_route_missing_from_the_policy_stops_the_app_being_built() -> None:
    app = FastAPI()
    router = APIRouter()

    @router.get("/forgotten")
    def forgotten() -> dict[str, str]:
        return {"secret": "data"}

    app.include_router(router, prefix="/api/v1")
    with pytest.raises(Unlisted, match="GET /api/v1/forgotten"):
        RouteRules(app)


def test_role_route_matrix(api: ApiUnderTest) -> None:
    tokens = {role: api.sign_in(f"user-{role}", role, ROLE_SITES.get(role, ())) for role in ROLES}
    forged = {"Authorization": "Bearer not.a.token"}
    checked = 0
    for method, path in endpoints(api.client.app):  # type: ignore[arg-type]
        allowed = ROUTE_ROLES[(method, path)]
        url = sample_url(path)
        anonymous = api.client.request(method, url).status_code
        with_forged = api.client.request(method, url, headers=forged).status_code
        if allowed is None:
            assert anonymous not in (401, 403), (method, path, anonymous)
            continue
        assert (anonymous, with_forged) == (401, 401), (method, path)
        for role in ROLES:
            status = api.client.request(method, url, headers=tokens[role]).status_code
            if role in allowed:
                assert status not in (401, 403), (method, path, role, status)
            else:
                assert status == 403, (method, path, role, status)
            checked += 1
    assert checked >= 4 * 8  # every protected route, for every role
