"""The alarms API: list and view (scoped), acknowledge, resolve, comment; all audited."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Hub
from tests.api.scene import OTHER_SITE, SITE


def alarm_ids(hub: Hub, headers: dict[str, str], **params: Any) -> list[str]:
    """Ids of the alarms a list call returns."""
    response = hub.api.client.get("/api/v1/alarms", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def act(hub: Hub, headers: dict[str, str], alarm_id: str, action: str, **body: Any) -> Any:
    """POST an action on an alarm."""
    return hub.api.client.post(f"/api/v1/alarms/{alarm_id}/{action}", json=body,
                               headers=headers)


def test_the_list_filters_and_a_manager_sees_only_their_sites(hub: Hub) -> None:
    hub.open_alarm("fever|park-1|a", "01A", severity="high")
    hub.open_alarm("fever|park-1|b", "01B", severity="low")
    hub.open_alarm("fever|park-2|c", "01C", site=OTHER_SITE, severity="high")
    guard = hub.sign_in("guard", "security")
    assert act(hub, guard, "01B", "resolve").status_code == 200

    police = hub.sign_in("detective", "police")
    assert alarm_ids(hub, police) == ["01C", "01B", "01A"]
    assert alarm_ids(hub, police, state="open") == ["01C", "01A"]
    assert alarm_ids(hub, police, severity="high", site=SITE) == ["01A"]
    first = hub.api.client.get("/api/v1/alarms", params={"limit": 2}, headers=police).json()
    assert first["next_before"] == "01B"
    assert alarm_ids(hub, police, before="01B") == ["01A"]

    manager = hub.sign_in("pm-1", "property_manager", [SITE])
    assert alarm_ids(hub, manager) == ["01B", "01A"]
    assert hub.api.client.get("/api/v1/alarms", params={"site": OTHER_SITE},
                              headers=manager).status_code == 403
    assert hub.api.client.get("/api/v1/alarms/01C", headers=manager).status_code == 403
    assert hub.api.client.get("/api/v1/alarms/01A", headers=manager).status_code == 200
    assert act(hub, manager, "01A", "comment", comment="on my way").status_code == 403
    listed = hub.audit("alarms.list", actor="pm-1")
    assert [(e.target, e.detail["returned"]) for e in listed] == [(None, 2)]


def test_acknowledge_then_resolve_and_resolving_twice_is_a_conflict(hub: Hub) -> None:
    hub.open_alarm("fever|park-1|a", "01A")
    guard = hub.sign_in("guard", "security")
    acked = act(hub, guard, "01A", "acknowledge", comment="checking", assignee="guard-2")
    assert acked.status_code == 200
    assert acked.json()["alarm"]["state"] == "acknowledged"
    assert acked.json()["alarm"]["assignee"] == "guard-2"
    noted = act(hub, guard, "01A", "comment", comment="false alarm: hot coffee")
    assert noted.json()["alarm"]["comment"] == "false alarm: hot coffee"
    resolved = act(hub, guard, "01A", "resolve", comment="done")
    assert resolved.json()["alarm"]["state"] == "resolved"
    assert resolved.json()["alarm"]["resolved_by"] == "guard"

    again = act(hub, guard, "01A", "resolve")
    assert again.status_code == 409
    assert "already resolved" in again.json()["detail"]
    assert act(hub, guard, "01A", "acknowledge").status_code == 409
    assert act(hub, guard, "01Z", "resolve").status_code == 404

    admin = hub.sign_in("root", "admin")
    shown = hub.api.client.get("/api/v1/alarms/01A", headers=admin).json()
    assert [(h["action"], h["actor"], h["comment"]) for h in shown["history"]] == [
        ("opened", "system", None),
        ("acknowledged", "guard", "checking"),
        ("commented", "guard", "false alarm: hot coffee"),
        ("resolved", "guard", "done"),
    ]
    assert shown["history"][1]["detail"] == {"assignee": "guard-2"}

    actions = hub.audit(actor="guard")
    assert [(e.action, e.target, e.detail) for e in actions if e.action.startswith("alarm.")] == [
        ("alarm.resolve", "01A", {"site": SITE, "state": "resolved", "comment": "done"}),
        ("alarm.comment", "01A", {"site": SITE, "state": "acknowledged",
                                  "comment": "false alarm: hot coffee"}),
        ("alarm.acknowledge", "01A", {"site": SITE, "state": "acknowledged",
                                      "comment": "checking", "assignee": "guard-2"}),
    ]
    [view] = hub.audit("alarm.view")
    assert (view.actor, view.target) == ("root", "01A")


def test_bodies_are_checked(hub: Hub) -> None:
    hub.open_alarm("fever|park-1|a", "01A")
    admin = hub.sign_in("root", "admin")
    assert act(hub, admin, "01A", "comment").status_code == 422  # a comment needs its text
    assert act(hub, admin, "01A", "comment", comment="").status_code == 422
    assert act(hub, admin, "01A", "resolve", reason="x").status_code == 422
    assert hub.api.client.get("/api/v1/alarms", params={"state": "sleeping"},
                              headers=admin).status_code == 422
    assert hub.audit("alarm.comment") == []


def test_a_hub_without_alarms_answers_503(hub: Hub) -> None:
    admin = hub.sign_in("root", "admin")
    hub.api.state.alarms = None
    assert hub.api.client.get("/api/v1/alarms", headers=admin).status_code == 503
    assert act(hub, admin, "01A", "resolve").status_code == 503
