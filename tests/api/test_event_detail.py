"""Event detail: the event's media links and the camera events around it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Hub
from tests.api.scene import CLIP, JPEG, OTHER_SITE, SITE, at, sha
from tests.ledger.factory import envelope


def media(data: bytes, content_type: str, role: str) -> list[dict[str, str]]:
    """The `media` field of an envelope naming these bytes."""
    return [{"sha256": sha(data), "content_type": content_type, "role": role}]


@pytest.fixture
def scene(hub: Hub) -> dict[str, str]:
    """A scan at the main gate at t=100 s and camera events near and far; ids by name."""
    hub.store_media(JPEG)  # the clip never arrived
    docs = {
        "scan": envelope(1, ts=at(100), media=media(JPEG, "image/jpeg", "snapshot")),
        "cam_before": envelope(2, "camera", ts=at(40), device="cam-main",
                               media=media(CLIP, "video/mp4", "clip")),
        "cam_after": envelope(3, "camera", ts=at(120), device="cam-main"),
        "cam_edge": envelope(4, "camera", ts=at(160), device="cam-main"),
        "cam_late": envelope(5, "camera", ts=at(161), device="cam-main"),
        "cam_lobby": envelope(6, "camera", ts=at(100), device="cam-lobby"),
        "cam_elsewhere": envelope(1, "camera", ts=at(100), site=OTHER_SITE, device="cam-main"),
    }
    hub.commit(*docs.values())
    return {name: doc["id"] for name, doc in docs.items()}


def detail(hub: Hub, headers: dict[str, str], event_id: str, **params: Any) -> Any:
    """The event detail as the API answers it."""
    response = hub.api.client.get(f"/api/v1/events/{event_id}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_an_event_comes_with_its_media_and_the_gates_cameras_around_it(
    hub: Hub, scene: dict[str, str]
) -> None:
    guard = hub.sign_in("guard", "security")
    shown = detail(hub, guard, scene["scan"])
    assert shown["event"]["id"] == scene["scan"]
    assert shown["event"]["enrichment"]["gate"] == "main"
    assert shown["media"] == [{
        "sha256": sha(JPEG), "content_type": "image/jpeg", "role": "snapshot",
        "url": f"/api/v1/media/{sha(JPEG)}", "stored": True}]
    assert shown["cameras"] == ["cam-main"]
    assert (shown["around_s"], shown["truncated"]) == (60, False)
    nearby = shown["camera_events"]
    assert [c["event"]["id"] for c in nearby] == [
        scene["cam_before"], scene["cam_after"], scene["cam_edge"]]  # oldest first, ±60 s
    assert nearby[0]["media"] == [{
        "sha256": sha(CLIP), "content_type": "video/mp4", "role": "clip",
        "url": f"/api/v1/media/{sha(CLIP)}", "stored": False}]
    # The link works for those who may see media.
    assert hub.api.client.get(shown["media"][0]["url"], headers=guard).content == JPEG

    narrow = detail(hub, guard, scene["scan"], around_s=20)
    assert [c["event"]["id"] for c in narrow["camera_events"]] == [scene["cam_after"]]
    entries = hub.audit("event.view")
    assert [(e.target, e.detail) for e in entries] == [
        (scene["scan"], {"site": SITE, "around_s": 20, "camera_events": 1}),
        (scene["scan"], {"site": SITE, "around_s": 60, "camera_events": 3}),
    ]


def test_a_camera_event_comes_with_that_cameras_events_around_it(
    hub: Hub, scene: dict[str, str]
) -> None:
    admin = hub.sign_in("root", "admin")
    shown = detail(hub, admin, scene["cam_after"])
    assert shown["cameras"] == ["cam-main"]
    # 60 to 180 s: not the clip at 40 s, nor the lobby camera's event.
    assert [c["event"]["id"] for c in shown["camera_events"]] == [
        scene["cam_edge"], scene["cam_late"]]
    alone = detail(hub, admin, scene["cam_lobby"], around_s=0)
    assert (alone["cameras"], alone["camera_events"]) == (["cam-lobby"], [])


def test_an_event_at_no_known_gate_has_no_camera_events(hub: Hub) -> None:
    admin = hub.sign_in("root", "admin")
    stray = envelope(9, ts=at(100), device="unregistered-scanner")
    hub.commit(stray)
    shown = detail(hub, admin, stray["id"])
    assert (shown["cameras"], shown["camera_events"], shown["media"]) == ([], [], [])


def test_detail_is_scoped_and_bounded(hub: Hub, scene: dict[str, str]) -> None:
    manager = hub.sign_in("pm-2", "property_manager", [OTHER_SITE])
    assert hub.api.client.get(f"/api/v1/events/{scene['scan']}",
                              headers=manager).status_code == 403
    mine = detail(hub, manager, scene["cam_elsewhere"])
    assert mine["camera_events"] == []  # park-1's cameras are not park-2's
    assert hub.api.client.get("/api/v1/events/no-such-event",
                              headers=manager).status_code == 404
    too_wide = hub.api.client.get(f"/api/v1/events/{scene['cam_elsewhere']}",
                                  params={"around_s": 3601}, headers=manager)
    assert too_wide.status_code == 422
