"""The API of occupancy, site grades and enterprises: roles, site scoping, and the audit of
dossier views and colour overrides (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.access import Principal, Role
from hub.accounts import Accounts
from hub.api import HubState, create_app
from hub.auth_settings import AuthSettings
from hub.ledger.users_store import UserRecord, UserStore
from hub.passwords import PasswordHasher
from hub.tokens import TokenIssuer
from tests.stats.conftest import World
from tests.stats.factory import SITE, at, door
from tests.support.auth import TEST_AUTH


class Api:
    """A test client on the hub's API over the small site, and its users' headers."""

    def __init__(self, world: World, client: TestClient, state: HubState) -> None:
        self.world = world
        self.client = client
        self.state = state
        self.headers: dict[str, dict[str, str]] = {}

    def user(self, name: str, role: Role, sites: tuple[str, ...] = ()) -> None:
        """Add a user of `role` and keep the header with their token.

        Straight into the users table with a token issued here: signing in costs two
        Argon2 hashes a user, and sign-in is tested in tests/hub/test_api_access.py.
        """
        now = datetime.now(UTC)
        UserStore(self.world.engine).add(UserRecord(name, "unused", role, sites, False, now))
        token = self.state.tokens.issue(Principal(name, role, sites), now).token
        self.headers[name] = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, who: str, **params: Any) -> Any:
        """GET as `who`."""
        return self.client.get(f"/api/v1{path}", headers=self.headers[who], params=params)

    def audit(self, action: str) -> list[tuple[str, str | None]]:
        """Who did `action` to what, newest first."""
        return [(e.actor, e.target) for e in self.world.audit.page(action=action)]


@pytest.fixture
def api(world: World) -> Iterator[Api]:
    """The API with its stats service, and one user of each role (managers of two kinds)."""
    state = HubState(
        ledger=world.ledger, accounts=Accounts(UserStore(world.engine), PasswordHasher()),
        tokens=TokenIssuer(AuthSettings.model_validate(TEST_AUTH)), audit=world.audit,
        registry=world.registry, live_registry=world.live, stats=world.stats,
    )
    with TestClient(create_app(state)) as client:
        served = Api(world, client, state)
        served.user("guard", "security")
        served.user("cop", "police")
        served.user("root", "admin")
        served.user("pm", "property_manager", (SITE,))
        served.user("pm-elsewhere", "property_manager", ("other-park",))
        yield served


def test_occupancy_is_for_guards_and_managers_of_the_site(api: Api) -> None:
    api.world.commit(door("n-in", at(1)), door("n-in", at(2)), listen=True)
    found = api.get("/occupancy", "guard")
    assert found.status_code == 200
    [site] = found.json()["sites"]
    assert site["site"] == SITE and site["buildings"][0] == {
        "building": "north", "persons": 2, "capacity": 800, "source": "access"}
    assert api.get("/occupancy", "pm").json()["sites"][0]["site"] == SITE
    assert api.get("/occupancy", "pm-elsewhere").json()["sites"] == []
    assert api.get("/occupancy", "pm-elsewhere", site=SITE).status_code == 403
    assert api.get("/occupancy", "cop").status_code == 403


def test_the_grade_lists_its_reasons_for_managers_of_the_site(api: Api) -> None:
    grade = api.get(f"/sites/{SITE}/grade", "pm")
    assert grade.status_code == 200
    body = grade.json()
    assert body["grade"] == "excellent" and body["score"] == 94.0
    reasons = [r["reason"] for r in body["reasons"] if r["points"]]
    assert reasons == ["gate east-gate has no camera", "gate n-7f has no camera"]
    assert api.get(f"/sites/{SITE}/grade", "pm-elsewhere").status_code == 403
    assert api.get(f"/sites/{SITE}/grade", "guard").status_code == 403
    assert api.get("/sites/nowhere/grade", "root").status_code == 404
    assert ("pm-elsewhere", SITE) in api.audit("access.denied")


def test_the_board_shows_colours_reasons_and_trends_of_the_managers_sites(api: Api) -> None:
    api.world.stats.recompute()
    board = api.get("/enterprises", "pm").json()
    assert [(e["enterprise"], e["colour"]["colour"]) for e in board] == [
        ("acme", "green"), ("blue", "green")]
    # Yesterday was computed too (once, as the day turned): nobody came.
    assert board[0]["headcount"] == {"today": 0, "window_days": 14, "recent_mean": 0.0,
                                     "previous_mean": None, "change": None}
    assert api.get("/enterprises", "pm-elsewhere").json() == []
    assert api.get("/enterprises", "cop").status_code == 403


def test_police_read_dossiers_and_each_view_is_audited(api: Api) -> None:
    api.world.commit(door("n-in", at(1)))
    api.world.stats.recompute()
    dossier = api.get("/enterprises/acme", "cop")
    assert dossier.status_code == 200
    body = dossier.json()
    assert body["enterprise"]["name"] == "Acme Ltd." and body["colour"]["colour"] == "green"
    assert body["daily"][-1]["entries"] == 1 and body["headcount"]["today"] == 1
    assert [c["source"] for c in body["colour_history"]] == ["assessment"]
    assert body["rent"] == [] and body["alarms"] == []
    assert api.audit("enterprise.view") == [("cop", f"{SITE}/acme")]
    assert api.get("/enterprises/nowhere", "cop").status_code == 404
    assert api.get("/enterprises/acme", "guard").status_code == 403
    assert api.get("/enterprises/acme", "pm-elsewhere").status_code == 404
    assert api.get("/enterprises/acme", "pm-elsewhere", site=SITE).status_code == 403


def test_an_override_is_set_and_cleared_by_a_manager_and_audited(api: Api) -> None:
    client, path = api.client, "/api/v1/enterprises/acme/colour-override"
    until = (api.world.clock.now + timedelta(days=7)).isoformat()
    body = {"colour": "red", "reason": "wages unpaid for 3 months", "until": until}
    put = client.put(path, json=body, headers=api.headers["pm"])
    assert put.status_code == 200, put.text
    assert put.json()["colour"] == "red"
    assert put.json()["override"]["by"] == "pm"
    assert api.audit("enterprise.colour_override") == [("pm", f"{SITE}/acme")]
    assert api.world.stats.enterprise_colour(SITE, "acme") == "red"
    assert api.get("/enterprises", "root").json()[0]["colour"]["colour"] == "red"

    assert client.put(path, json=body, headers=api.headers["cop"]).status_code == 403
    assert client.put(path, json=body, headers=api.headers["pm-elsewhere"]).status_code == 404
    past = {**body, "until": (api.world.clock.now - timedelta(days=1)).isoformat()}
    assert client.put(path, json=past, headers=api.headers["root"]).status_code == 422

    assert client.delete(path, headers=api.headers["root"]).status_code == 204
    assert client.delete(path, headers=api.headers["root"]).status_code == 404
    assert api.audit("enterprise.colour_override_cleared") == [("root", f"{SITE}/acme")]
    assert api.world.stats.enterprise_colour(SITE, "acme") == "green"
    assert api.world.audit.verify().ok
