"""Plain values for the stats tests: a small site, its events, and a clock to move."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from ulid import ULID

from hub.records import EventRecord
from hub.registry import LiveRegistry
from sitewatch.protocol import Event, event_adapter
from sitewatch.registry import SiteRegistry
from tests.registry.conftest import pseudonym, uscc

SITE = "harbour-park"  # Asia/Shanghai, UTC+8 all year
GATEWAY = "gw-1"
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai: business hours
NIGHT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # Monday 22:00 in Shanghai
ANN, DAN, EVE, BO = (pseudonym(name) for name in ("ann", "dan", "eve", "bo"))

_seq = itertools.count(1)


def site_data() -> dict[str, Any]:
    """A site whose areas are counted three ways.

    north: lobby readers (access); its 7F door is a floor door and never counts.
    south: a counting camera on its lobby (camera beats the lobby's place code).
    grounds: sentinels at the main and east gates (place scans); the east gate has no camera.
    """
    return {
        "site": {
            "id": SITE, "name": "Harbour Park", "timezone": "Asia/Shanghai",
            "buildings": [
                {"id": "north", "name": "North Tower", "floors": 10, "capacity": 800},
                {"id": "south", "name": "South Tower", "floors": 6},
            ],
        },
        "gates": [
            {"id": "main", "name": "Main gate", "kind": "main_gate", "sentinels": ["main-s1"]},
            {"id": "east-gate", "name": "East gate", "kind": "main_gate",
             "sentinels": ["east-s1"]},
            {"id": "n-lobby", "name": "North lobby", "kind": "lobby_turnstile",
             "building": "north", "floor": 1,
             "readers": [{"id": "n-in", "direction": "in"}, {"id": "n-out", "direction": "out"},
                         {"id": "n-both", "direction": "both"}]},
            {"id": "n-7f", "name": "North 7F door", "kind": "floor_door", "building": "north",
             "floor": 7, "readers": [{"id": "n-7f-reader", "direction": "in"}]},
            {"id": "s-lobby", "name": "South lobby", "kind": "lobby_turnstile",
             "building": "south", "floor": 1, "place_codes": ["s-code"]},
        ],
        "cameras": [
            {"id": "cam-n-lobby", "name": "North lobby", "gates": ["n-lobby"]},
            {"id": "cam-s-line", "name": "South lobby line", "gates": ["s-lobby"]},
            {"id": "cam-main", "name": "Main gate", "gates": ["main"], "analytics": ["person"]},
        ],
        "gateways": [{"id": GATEWAY, "name": "Gatehouse",
                      "gates": ["main", "east-gate", "n-lobby", "n-7f", "s-lobby"]}],
        "enterprises": [
            {"id": "acme", "name": "Acme Ltd.", "uscc": uscc(1), "building": "north",
             "floor": 7, "headcount": 40, "lease_start": "2024-01-01",
             "lease_end": "2030-12-31"},
            {"id": "blue", "name": "Blue Co.", "uscc": uscc(2), "building": "south", "floor": 3},
        ],
        "persons": [
            {"pseudonym": ANN, "enterprise": "acme", "type": "employee"},
            {"pseudonym": DAN, "enterprise": "acme", "type": "employee"},
            {"pseudonym": EVE, "enterprise": "acme", "type": "visitor"},
            {"pseudonym": BO, "enterprise": "blue", "type": "employee"},
        ],
    }


def site_document() -> SiteRegistry:
    """The site, validated."""
    return SiteRegistry.model_validate(site_data())


def static_live() -> LiveRegistry:
    """A live registry holding the site, with no database behind it."""
    document = site_document()
    return LiveRegistry(lambda: 1, lambda: (1, [document]))


def at(seconds: float = 0, base: datetime = T0) -> datetime:
    """`base` plus some seconds."""
    return base + timedelta(seconds=seconds)


def _event(kind: str, ts: datetime, device: str, fields: dict[str, Any]) -> Event:
    return event_adapter.validate_python({
        "v": 1, "id": str(ULID()), "seq": next(_seq), "ts": ts.isoformat(), "site": SITE,
        "gateway": GATEWAY, "device": device, "kind": kind, **fields,
    })


def door(device: str, ts: datetime = T0, direction: str = "in", result: str = "granted",
         subject: str | None = ANN) -> Event:
    """An access decision at a reader."""
    return _event("access", ts, device, {
        "subject": subject, "credential": {"type": "card"}, "direction": direction,
        "result": result,
    })


def scan(device: str = "main-s1", ts: datetime = T0, subject: str = ANN,
         verdict: str = "pass") -> Event:
    """A place scan at a sentinel or place code."""
    return _event("place_scan", ts, device, {
        "subject": subject, "method": "id_card", "health": "green", "verdict": verdict,
    })


def crossing(device: str = "cam-s-line", ts: datetime = T0, in_: int = 0, out: int = 0,
             type_: str = "line_crossing") -> Event:
    """A camera's line-crossing count."""
    return _event("camera", ts, device, {"type": type_, "in": in_, "out": out})


def record(event: Event, live: LiveRegistry) -> EventRecord:
    """The event as ingest hands it to the ledger: wire body and registry enrichment."""
    body = orjson.dumps(event.model_dump(mode="json", by_alias=True, exclude_none=True))
    return EventRecord(event, body, event.ts, live.enrich(event))

