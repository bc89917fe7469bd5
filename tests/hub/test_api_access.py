"""Sign-in, site scoping and the audit trail of the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from hub.api import create_app
from hub.records import IngestBatch, MediaRecord, StatusRecord
from tests.ledger.factory import RECEIVED, envelope, events_batch, pseudonym, status
from tests.support.api_app import ApiUnderTest, serve_api
from tests.support.auth import PASSWORD

JPEG = b"\xff\xd8\xff\xe0 a snapshot \xff\xd9"


@pytest.fixture
def api(ledger_url: str) -> Iterator[ApiUnderTest]:
    """The API on a migrated ledger of each engine."""
    with serve_api(ledger_url) as served:
        yield served


@pytest.fixture
def two_parks(api: ApiUnderTest) -> dict[str, str]:
    """Two events and two gateways, at park-1 and park-2; returns the event ids by site."""
    one, two = envelope(1), envelope(1, site="park-2", gateway="gw-2")
    batch = events_batch(one, two)
    batch.statuses = [status(), StatusRecord("park-2", "gw-2", status().status, RECEIVED)]
    api.state.ledger.commit(batch)
    return {"park-1": one["id"], "park-2": two["id"]}


def audit_entries(api: ApiUnderTest, admin: dict[str, str], **params: Any) -> list[Any]:
    """The audit log as an admin reads it through the API, newest first."""
    response = api.client.get("/api/v1/audit-log", params=params, headers=admin)
    response.raise_for_status()
    items: list[Any] = response.json()["items"]
    return items


def test_sign_in_gives_a_token_that_says_who_you_are(api: ApiUnderTest) -> None:
    headers = api.sign_in("pm-1", "property_manager", ["park-1"])
    me = api.client.get("/api/v1/auth/me", headers=headers)
    assert me.json() == {"username": "pm-1", "role": "property_manager", "sites": ["park-1"]}
    wrong = api.client.post("/api/v1/auth/token",
                            data={"username": "pm-1", "password": PASSWORD + "x"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    nobody = api.client.post("/api/v1/auth/token",
                             data={"username": "nobody", "password": PASSWORD})
    assert nobody.status_code == 401
    [login] = api.state.audit.page(action="auth.login")
    assert (login.actor, login.role) == ("pm-1", "property_manager")


def test_a_disabled_user_is_shut_out_at_once(api: ApiUnderTest) -> None:
    headers = api.sign_in("guard", "security")
    assert api.client.get("/api/v1/auth/me", headers=headers).status_code == 200
    api.state.accounts.set_disabled("guard", True)
    response = api.client.get("/api/v1/auth/me", headers=headers)
    assert (response.status_code, response.json()["detail"]) == (401, "unknown or disabled user")


def test_a_property_manager_sees_only_their_sites(
    api: ApiUnderTest, two_parks: dict[str, str]
) -> None:
    manager = api.sign_in("pm-1", "property_manager", ["park-1"])
    admin = api.sign_in("root", "admin")
    items = api.client.get("/api/v1/events", headers=manager).json()["items"]
    assert [item["id"] for item in items] == [two_parks["park-1"]]
    gateways = api.client.get("/api/v1/gateways", headers=manager).json()
    assert [(g["site"], g["gateway"]) for g in gateways] == [("park-1", "gw-1")]
    assert len(api.client.get("/api/v1/gateways", headers=admin).json()) == 2

    other = api.client.get("/api/v1/events", params={"site": "park-2"}, headers=manager)
    assert other.status_code == 403
    mine = api.client.get(f"/api/v1/events/{two_parks['park-1']}", headers=manager)
    assert mine.status_code == 200
    theirs = api.client.get(f"/api/v1/events/{two_parks['park-2']}", headers=manager)
    assert theirs.status_code == 403

    denied = audit_entries(api, admin, action="access.denied")
    assert [(e["actor"], e["target"]) for e in denied] == [
        ("pm-1", two_parks["park-2"]), ("pm-1", "park-2")]


def test_a_manager_of_several_sites_names_the_one_to_search(
    api: ApiUnderTest, two_parks: dict[str, str]
) -> None:
    manager = api.sign_in("pm-2", "property_manager", ["park-1", "park-2"])
    assert api.client.get("/api/v1/events", headers=manager).status_code == 422
    items = api.client.get("/api/v1/events", params={"site": "park-2"}, headers=manager)
    assert [item["id"] for item in items.json()["items"]] == [two_parks["park-2"]]


def test_searches_and_views_are_audited_with_the_query(
    api: ApiUnderTest, two_parks: dict[str, str], tmp_path: Path
) -> None:
    digest = hashlib.sha256(JPEG).hexdigest()
    (tmp_path / digest).write_bytes(JPEG)
    api.state.ledger.commit(IngestBatch(media=[
        MediaRecord(digest, "park-1", "gw-1", len(JPEG), str(tmp_path / digest), RECEIVED)]))
    guard = api.sign_in("guard", "police")
    query = {"site": "park-1", "kind": "place_scan", "subject": pseudonym("alice"),
             "since": "2024-05-01T00:00:00Z", "limit": 50}
    assert api.client.get("/api/v1/events", params=query, headers=guard).status_code == 200
    assert api.client.get(f"/api/v1/events/{two_parks['park-2']}", headers=guard).status_code == 200
    media = api.client.get(f"/api/v1/media/{digest}", headers=guard)
    assert media.content == JPEG

    admin = api.sign_in("root", "admin")
    entries = audit_entries(api, admin, actor="guard")
    assert [(e["action"], e["target"]) for e in entries] == [
        ("media.view", digest),
        ("event.view", two_parks["park-2"]),
        ("events.search", "park-1"),
        ("auth.login", None),
    ]
    assert entries[2]["detail"] == {**query, "since": "2024-05-01T00:00:00+00:00", "returned": 1}
    assert entries[2]["role"] == "police"
    verdict = api.client.get("/api/v1/audit-log/verify", headers=admin).json()
    assert verdict == {"ok": True, "entries": 6, "first_bad": None,
                       "reason": "all 6 entries intact"}
    assert audit_entries(api, admin, limit=1)[0]["action"] == "audit.verify"


def test_the_audit_log_pages_newest_first(api: ApiUnderTest) -> None:
    admin = api.sign_in("root", "admin")
    for _ in range(3):
        api.client.get("/api/v1/events", headers=admin)
    first = api.client.get("/api/v1/audit-log", params={"limit": 2}, headers=admin).json()
    assert [e["id"] for e in first["items"]] == [4, 3] and first["next_before"] == 3
    second = api.client.get("/api/v1/audit-log", params={"limit": 2, "before": 3},
                            headers=admin).json()
    assert [e["id"] for e in second["items"]] == [2, 1]
    chain = (first["items"] + second["items"])[::-1]
    assert all(b["prev_hash"] == a["hash"] for a, b in pairwise(chain))


def test_verify_reports_an_entry_edited_in_the_database(api: ApiUnderTest) -> None:
    admin = api.sign_in("root", "admin")
    api.client.get("/api/v1/events", params={"subject": pseudonym("bob")}, headers=admin)
    with api.engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'someone-else' WHERE id = 2"))
    verdict = api.client.get("/api/v1/audit-log/verify", headers=admin).json()
    assert (verdict["ok"], verdict["first_bad"], verdict["entries"]) == (False, 2, 1)
    assert "edited" in verdict["reason"]


def test_what_cannot_be_audited_is_not_served(api: ApiUnderTest) -> None:
    admin = api.sign_in("root", "admin")
    with api.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_head"))
    with TestClient(create_app(api.state), raise_server_exceptions=False) as client:
        response = client.get("/api/v1/events", headers=admin)
    assert response.status_code == 500
    assert "items" not in response.text
