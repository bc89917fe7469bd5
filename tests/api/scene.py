"""A small registered site, its events and alarms, for the API tests (plain values)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from hub.rules import AlarmSignal
from sitewatch.protocol.pseudonym import pseudonymise
from sitewatch.registry import id_check_char, uscc_check_char
from tests.ledger.factory import T0

SITE, OTHER_SITE = "park-1", "park-2"
NEW_SITE = "park-3"  # registered by the tests that add a site
SITE_KEYS = {SITE: b"park-1 site key, 32 bytes long..",
             OTHER_SITE: b"park-2 site key, 32 bytes long..",
             NEW_SITE: b"park-3 site key, 32 bytes long.."}
JPEG = b"\xff\xd8\xff\xe0 a snapshot \xff\xd9"
CLIP = b"\x00\x00\x00\x18ftypmp42 a clip"


def resident_id(serial: int) -> str:
    """A valid 18-character resident ID number (GB 11643), different for each serial."""
    first17 = f"1101051990010{serial:04d}"
    return first17 + id_check_char(first17)


EMPLOYEE_ID = resident_id(4)  # works for acme, at both sites; ends in X


def subject_of(raw_id: str, site: str = SITE) -> str:
    """The pseudonym a gateway of `site` sends for this ID number."""
    return pseudonymise(SITE_KEYS[site], raw_id)


def uscc(serial: int) -> str:
    """A valid unified social credit code, different for each serial."""
    first17 = f"91310115MA1{serial:06d}"
    return first17 + uscc_check_char(first17)


def sha(data: bytes) -> str:
    """SHA-256 of `data`, hex."""
    return hashlib.sha256(data).hexdigest()


def site_document(site: str = SITE) -> dict[str, Any]:
    """A site: a main gate (sentinel gate-1), a lobby (reader n-in), a vehicle gate, one
    camera at each, one gateway, one enterprise."""
    return {
        "site": {"id": site, "name": f"Park {site}", "timezone": "Asia/Shanghai",
                 "buildings": [{"id": "north", "name": "North Tower", "floors": 10}]},
        "gates": [
            {"id": "main", "name": "Main gate", "kind": "main_gate", "sentinels": ["gate-1"]},
            {"id": "n-lobby", "name": "North lobby", "kind": "lobby_turnstile",
             "building": "north", "floor": 1, "readers": [{"id": "n-in", "direction": "in"}]},
            {"id": "vehicle", "name": "Vehicle gate", "kind": "vehicle_gate",
             "plate_cameras": [{"id": "plate-in", "direction": "in"}]},
        ],
        "cameras": [
            {"id": "cam-main", "name": "Main gate", "gates": ["main"]},
            {"id": "cam-lobby", "name": "Lobby", "gates": ["n-lobby"]},
        ],
        "gateways": [{"id": "gw-1", "name": "Gatehouse",
                      "gates": ["main", "n-lobby", "vehicle"]}],
        "enterprises": [{"id": "acme", "name": "Acme Ltd.", "uscc": uscc(1),
                         "building": "north", "floor": 7}],
        "persons": [{"pseudonym": subject_of(EMPLOYEE_ID, site), "enterprise": "acme",
                     "type": "employee"}],
    }


def at(seconds: float) -> str:
    """T0 plus some seconds, RFC 3339."""
    return (T0 + timedelta(seconds=seconds)).isoformat()


def signal(key: str, site: str = SITE, severity: str = "high", ts: datetime = T0,
           **changes: Any) -> AlarmSignal:
    """An alarm signal of a fever at the main gate; `changes` override fields."""
    values: dict[str, Any] = {
        "rule": "fever", "type": "fever", "severity": severity, "site": site, "key": key,
        "ts": ts, "title": "Fever 38.2 °C at gate-1", "detail": {"temperature_c": 38.2},
        "event_ids": ("e1",), "escalate_after_s": 60.0,
    }
    values.update(changes)
    return AlarmSignal(**values)
