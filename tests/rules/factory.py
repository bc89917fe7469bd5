"""Plain-value builders for the rule tests: protocol events, statuses, health, rules."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from typing import Any

from ulid import ULID

from hub.records import HealthRecord, StatusRecord
from hub.rules import BusinessHours, PersonFacts, RuleEngine, StaticRuleContext, parse_rules
from sitewatch.protocol import (
    CameraHealth,
    Event,
    GatewayHealth,
    GatewayStatus,
    event_adapter,
)

SITE = "park"
GATEWAY = "gw-1"
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai: business hours
NIGHT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # Monday 22:00 in Shanghai
ALICE = "a" * 64  # employee of lianxin (red), no after-hours permission
BOB = "b" * 64  # employee of tianhe (green), after-hours allowed
GUARD = "c" * 64  # staff
STRANGER = "d" * 64  # unknown to the registry

_seq = itertools.count(1)

CONTEXT = StaticRuleContext(
    persons={SITE: {
        ALICE: PersonFacts("lianxin", "employee"),
        BOB: PersonFacts("tianhe", "employee", after_hours_allowed=True),
        GUARD: PersonFacts(None, "staff"),
    }},
    device_gates={SITE: {"ta-ts-in-1": "ta-lobby", "ta-ts-in-2": "ta-lobby",
                         "ta-ts-out-1": "ta-lobby", "mg-sentinel-1": "main-gate"}},
    camera_gates={SITE: {"cam-ta-lobby": ("ta-lobby",)}},
    gate_buildings={SITE: {"ta-lobby": "tower-a"}},
    hours={SITE: BusinessHours(time(8), time(19), "Asia/Shanghai", frozenset(range(5)))},
    colours={SITE: {"lianxin": "red", "tianhe": "green"}},
    capacities={SITE: {"tower-a": 2}},
)


def at(seconds: float, base: datetime = T0) -> datetime:
    """`base` plus some seconds."""
    return base + timedelta(seconds=seconds)


def _event(kind: str, ts: datetime, device: str, site: str, fields: dict[str, Any]) -> Event:
    document = {"v": 1, "id": str(ULID()), "seq": next(_seq), "ts": ts.isoformat(),
                "site": site, "gateway": GATEWAY, "device": device, "kind": kind, **fields}
    return event_adapter.validate_python(document)


def scan(ts: datetime = T0, subject: str = ALICE, temperature_c: float | None = 36.5,
         health: str = "green", verdict: str = "pass", device: str = "mg-sentinel-1",
         site: str = SITE) -> Event:
    """A place scan."""
    return _event("place_scan", ts, device, site, {
        "subject": subject, "method": "id_card", "health": health,
        "temperature_c": temperature_c, "verdict": verdict,
    })


def access(ts: datetime = T0, result: str = "granted", direction: str = "in",
           subject: str | None = ALICE, device: str = "ta-ts-in-1", site: str = SITE) -> Event:
    """An access decision."""
    return _event("access", ts, device, site, {
        "subject": subject, "credential": {"type": "card", "ref": "e" * 64},
        "direction": direction, "result": result,
    })


def camera(ts: datetime = T0, type: str = "line_crossing", device: str = "cam-ta-lobby",
           site: str = SITE, **fields: Any) -> Event:
    """A camera observation; `in_` is spelt `in` on the wire."""
    if "in_" in fields:
        fields["in"] = fields.pop("in_")
    return _event("camera", ts, device, site, {"type": type, **fields})


def sensor(ts: datetime = T0, metric: str = "smoke", alarm: bool = True,
           device: str = "ta-smoke-18f", site: str = SITE) -> Event:
    """A facility sensor reading."""
    return _event("sensor", ts, device, site, {"metric": metric, "value": 1.0, "alarm": alarm})


def status(state: str, received_at: datetime = T0, gateway: str = GATEWAY) -> StatusRecord:
    """A gateway status (offline is what the last will says)."""
    body = GatewayStatus(state=state, agent_version="0.1.0", started_at=T0,
                         config_hash="c0ffee")
    return StatusRecord(SITE, gateway, body, received_at)


def health(received_at: datetime = T0, gateway: str = GATEWAY,
           cameras: dict[str, CameraHealth] | None = None) -> HealthRecord:
    """A gateway health report."""
    body = GatewayHealth(ts=received_at, outbox_depth=0, oldest_pending_age_s=0,
                         cameras=cameras or {}, cpu_percent=1.0, memory_rss_bytes=1 << 20)
    return HealthRecord(SITE, gateway, body, received_at)


def engine(*rules: dict[str, Any], **options: Any) -> RuleEngine:
    """An engine over rules given as plain dicts (as in the YAML file), on CONTEXT."""
    return RuleEngine(parse_rules({"rules": list(rules)}), CONTEXT, **options)
