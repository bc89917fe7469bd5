"""Event search: the registry's filters, a raw ID number turned pseudonym, cursor pages."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.api.conftest import Hub
from tests.api.scene import EMPLOYEE_ID, OTHER_SITE, SITE, at, resident_id, subject_of
from tests.ledger.factory import envelope, pseudonym


@pytest.fixture
def scene(hub: Hub) -> dict[str, str]:
    """Events at each gate of park-1 (and one at park-2); their ids by name."""
    employee = subject_of(EMPLOYEE_ID)
    docs = {
        "scan": envelope(1, ts=at(1), subject=employee),  # sentinel gate-1: the main gate
        "lobby": envelope(2, "access", ts=at(2), device="n-in", subject=employee,
                          result="denied"),
        "stranger": envelope(3, ts=at(3), subject=pseudonym("stranger")),
        "car": envelope(4, "vehicle", ts=at(4), device="plate-in", plate="沪A12345"),
        "camera": envelope(5, "camera", ts=at(5), device="cam-main"),
        "elsewhere": envelope(1, ts=at(6), site=OTHER_SITE, gateway="gw-1",
                              subject=subject_of(EMPLOYEE_ID, OTHER_SITE)),
    }
    hub.commit(*docs.values())
    return {name: doc["id"] for name, doc in docs.items()}


def found(hub: Hub, headers: dict[str, str], **params: Any) -> list[str]:
    """Ids of the events a search returns."""
    response = hub.api.client.get("/api/v1/events", params={"limit": 100, **params},
                                  headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


FILTER_CASES: list[tuple[dict[str, str], list[str]]] = [
    ({"building": "north"}, ["lobby"]),
    ({"gate": "main"}, ["elsewhere", "camera", "stranger", "scan"]),
    ({"gate": "main", "site": SITE}, ["camera", "stranger", "scan"]),
    ({"gate": "vehicle", "plate": "沪A12345"}, ["car"]),
    ({"plate": "沪B99999"}, []),
    ({"result": "denied"}, ["lobby"]),
    ({"enterprise": "acme", "site": SITE}, ["lobby", "scan"]),
    ({"enterprise": "acme"}, ["elsewhere", "lobby", "scan"]),
    ({"result": "pass", "gate": "main", "site": SITE}, ["stranger", "scan"]),
]


def test_the_registry_filters(hub: Hub, scene: dict[str, str]) -> None:
    admin = hub.sign_in("root", "admin")
    for filters, names in FILTER_CASES:
        assert found(hub, admin, **filters) == [scene[name] for name in names], filters
        entry = hub.audit("events.search")[0]
        assert entry.detail == {**filters, "limit": 100, "returned": len(names)}


def test_a_raw_id_number_finds_that_persons_events_and_is_kept_nowhere(
    hub: Hub, scene: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    police = hub.sign_in("detective", "police")
    with caplog.at_level(logging.DEBUG):
        by_query = found(hub, police, id_number=EMPLOYEE_ID, site=SITE)
    # The test's own HTTP client logs the URLs it asks for (which shows the capture
    # works): a raw number in a query string is in somebody's log, if not the hub's.
    assert [r.name for r in caplog.records if EMPLOYEE_ID in r.getMessage()] == ["httpx"]
    caplog.clear()
    # Lower case and spaces: normalised as the gateway does before hashing.
    spaced = f"{EMPLOYEE_ID[:6]} {EMPLOYEE_ID[6:14]} {EMPLOYEE_ID[14:].lower()}"
    with caplog.at_level(logging.DEBUG):
        by_body = hub.api.client.post("/api/v1/events/search",
                                      json={"id_number": spaced, "site": SITE}, headers=police)
    assert caplog.records, "nothing was logged at all: the check below would prove nothing"
    assert not [r for r in caplog.records
                if EMPLOYEE_ID[6:14] in r.getMessage() or spaced in r.getMessage()]
    assert by_query == [scene["lobby"], scene["scan"]]
    assert [item["id"] for item in by_body.json()["items"]] == by_query

    entries = hub.audit("events.search")
    assert [e.detail for e in entries] == [
        {"site": SITE, "subject": subject_of(EMPLOYEE_ID), "id_number_given": True,
         "limit": 100, "returned": 2}
    ] * 2
    for raw in (EMPLOYEE_ID, EMPLOYEE_ID[6:14]):
        assert raw not in hub.audit_text()


def test_with_one_site_key_the_site_may_be_left_out(hub: Hub, scene: dict[str, str]) -> None:
    admin = hub.sign_in("root", "admin")
    hub.api.state.site_keys = {OTHER_SITE: hub.api.state.site_keys[OTHER_SITE]}
    assert found(hub, admin, id_number=EMPLOYEE_ID) == [scene["elsewhere"]]
    [entry] = hub.audit("events.search")
    assert entry.target == OTHER_SITE


def test_an_id_number_search_that_cannot_run_says_why(hub: Hub) -> None:
    admin = hub.sign_in("root", "admin")
    for params, message in [
        ({"id_number": EMPLOYEE_ID}, "name the site of the ID number"),
        ({"id_number": EMPLOYEE_ID, "site": "park-9"}, "no key for site park-9"),
        ({"id_number": EMPLOYEE_ID, "site": SITE, "subject": "a" * 64}, "not both"),
        ({"id_number": "--", "site": SITE}, "no letters or digits"),
    ]:
        response = hub.api.client.post("/api/v1/events/search", json=params, headers=admin)
        assert response.status_code == 422, params
        assert message in response.json()["detail"]
        assert EMPLOYEE_ID not in response.text
    hub.api.state.site_keys = {}
    response = hub.api.client.post("/api/v1/events/search", json={"id_number": EMPLOYEE_ID},
                                   headers=admin)
    assert "the hub holds no site keys" in response.json()["detail"]
    assert hub.audit("events.search") == []


def test_a_manager_searches_by_id_number_only_at_their_site(
    hub: Hub, scene: dict[str, str]
) -> None:
    manager = hub.sign_in("pm-1", "property_manager", [SITE])
    assert found(hub, manager, id_number=EMPLOYEE_ID) == [scene["lobby"], scene["scan"]]
    refused = hub.api.client.get("/api/v1/events", headers=manager,
                                 params={"id_number": EMPLOYEE_ID, "site": OTHER_SITE})
    assert refused.status_code == 403
    assert EMPLOYEE_ID not in hub.audit_text()


def test_cursor_pages_keep_the_new_filters(hub: Hub, scene: dict[str, str]) -> None:
    admin = hub.sign_in("root", "admin")
    more = [envelope(10 + n, ts=at(100 + n), subject=pseudonym(f"p{n}")) for n in range(5)]
    hub.commit(*more)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"gate": "main", "kind": "place_scan", "site": SITE,
                                  "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = hub.api.client.get("/api/v1/events", params=params, headers=admin).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    expected = [doc["id"] for doc in reversed(more)] + [scene["stranger"], scene["scan"]]
    assert seen == expected


def test_unknown_and_naive_filters_are_refused(hub: Hub) -> None:
    admin = hub.sign_in("root", "admin")
    for params in ({"bulding": "north"}, {"since": "2024-05-01T08:00:00"},
                   {"subject": "not-hex"}, {"id_number": "9" * 65}):
        response = hub.api.client.get("/api/v1/events", params=params, headers=admin)
        assert response.status_code == 422, params
    assert resident_id(2) != EMPLOYEE_ID
