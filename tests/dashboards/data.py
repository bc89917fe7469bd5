"""Protocol events for the dashboard tests, built with the real models; counts are known."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from ulid import ULID

from sitewatch.protocol import Event, GatewayHealth, GatewayStatus, event_adapter

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai (harbour-park)
_seq = itertools.count(1)


def at(seconds: float) -> datetime:
    """T0 plus some seconds."""
    return T0 + timedelta(seconds=seconds)


def event(kind: str, seconds: float, device: str, **fields: Any) -> Event:
    """A validated event of `kind` at T0 + `seconds` (site harbour-park, gateway gw-1
    unless `fields` say otherwise)."""
    return event_adapter.validate_python({
        "v": 1, "id": str(ULID()), "seq": next(_seq), "ts": at(seconds).isoformat(),
        "site": "harbour-park", "gateway": "gw-1", "device": device, "kind": kind, **fields,
    })


def door(seconds: float, device: str, direction: str = "in", result: str = "granted",
         subject: str | None = None, **fields: Any) -> Event:
    """An access decision at a reader."""
    return event("access", seconds, device, subject=subject, credential={"type": "card"},
                 direction=direction, result=result, **fields)


def scan(seconds: float, device: str, subject: str, health: str = "green",
         temperature_c: float | None = None, verdict: str = "pass") -> Event:
    """A place scan, with a temperature if one was taken."""
    extra: dict[str, Any] = {} if temperature_c is None else {"temperature_c": temperature_c}
    return event("place_scan", seconds, device, subject=subject, method="id_card",
                 health=health, verdict=verdict, **extra)


def health(seconds: float, depth: int) -> GatewayHealth:
    """A gateway health report with this outbox depth."""
    return GatewayHealth(ts=at(seconds), outbox_depth=depth, oldest_pending_age_s=1.0,
                         cpu_percent=5.0, memory_rss_bytes=1 << 25)


def status(state: Literal["online", "offline"]) -> GatewayStatus:
    """A gateway status message."""
    return GatewayStatus(state=state, agent_version="1.0.0", started_at=T0,
                         config_hash="c0ffee")
