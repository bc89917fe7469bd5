"""Place-code and digital-sentinel terminals pushing scans over HTTP → `place_scan` events.

Input: one JSON object, or an array of them, POSTed to the listener's path::

    {"terminal": "T-01",                      # device id; the configured `device` if absent
     "ts": "2026-11-22T08:01:02+08:00",       # RFC 3339; now if absent
     "id_number": "110101199003074518",       # ID-card / phone / place-code user id (required)
     "id_type": "id_card",                    # id_card | phone | place_code | passport | other
     "method": "id_card",                     # place_code | id_card | health_qr; configured default
     "health": "green",                       # green | yellow | red | unknown (default unknown)
     "temperature_c": 36.6,                   # 20..50 or null
     "verdict": "pass",                       # pass | deny; derived if absent
     "visitor": false}

Spellings accepted besides ours (any case): health `g`/`y`/`r`, 绿/黄/红 and 绿码/黄码/红码,
codes 0 (green), 1 (yellow), 2 (red) as numbers or text, 未知 and null for unknown;
verdict `allow`/`allowed`/`ok`/`passed`/`granted`/通过/放行 → pass,
`denied`/`reject`/`rejected`/`refused`/`blocked`/拒绝/禁止 → deny;
method `qr`/`health_code`/健康码 → health_qr, `idcard`/身份证 → id_card, 场所码 → place_code.

A record without a verdict is denied when its health is in `deny_health` (red, yellow) or
its temperature is at or above `fever_threshold_c` (37.3), else passed. The ID number is
pseudonymised on the gateway (HMAC with the site key); `id_type` is checked, then dropped:
the hub's search by a raw number must hash the same text whatever its type.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from edge_agent.ports import Draft
from edge_agent.receivers.intake import HttpReceiver, utc_now
from edge_agent.receivers.records import (
    DeviceId,
    Identifier,
    InputModel,
    Timestamp,
    device_of,
    synonyms,
    validate_record,
)
from edge_agent.receivers.settings import (
    Health,
    PlaceScanHttpSettings,
    ScanMethod,
)
from edge_agent.settings import SourceContext, SourceEntry, source_settings
from sitewatch.protocol.pseudonym import pseudonymise

Verdict = Literal["pass", "deny"]

HEALTH_SYNONYMS = {
    "g": "green", "绿": "green", "绿码": "green", "0": "green",
    "y": "yellow", "黄": "yellow", "黄码": "yellow", "1": "yellow",
    "r": "red", "红": "red", "红码": "red", "2": "red",
    "未知": "unknown", "": "unknown",
}  # fmt: skip
_VERDICTS = {
    "allow": "pass", "allowed": "pass", "ok": "pass", "passed": "pass", "granted": "pass",
    "通过": "pass", "放行": "pass",
    "denied": "deny", "reject": "deny", "rejected": "deny", "refused": "deny",
    "blocked": "deny", "拒绝": "deny", "禁止": "deny",
}  # fmt: skip
_METHODS = {
    "qr": "health_qr", "health_code": "health_qr", "健康码": "health_qr",
    "idcard": "id_card", "身份证": "id_card", "场所码": "place_code",
}  # fmt: skip


class PlaceScanRecord(InputModel):
    """One scan as a terminal pushes it (the format in this module's docstring)."""

    terminal: DeviceId | None = Field(None, description="terminal id; default: configured")
    ts: Timestamp | None = Field(None, description="when it was scanned; default: now")
    id_number: Identifier = Field(description="the scanned identifier, in clear")
    id_type: Literal["id_card", "phone", "place_code", "passport", "other"] | None = None
    method: Annotated[ScanMethod | None, synonyms(_METHODS)] = None
    health: Annotated[Health | None, synonyms(HEALTH_SYNONYMS)] = None
    temperature_c: float | None = Field(None, ge=20.0, le=50.0)
    verdict: Annotated[Verdict | None, synonyms(_VERDICTS)] = None
    visitor: bool = False


def derive_verdict(
    health: Health,
    deny: Collection[str],
    temperature_c: float | None = None,
    fever_threshold_c: float | None = None,
) -> Verdict:
    """Deny on a denying health colour or a fever, else pass."""
    fever = (
        temperature_c is not None
        and fever_threshold_c is not None
        and temperature_c >= fever_threshold_c
    )
    return "deny" if health in deny or fever else "pass"


def place_scan_draft(
    record: PlaceScanRecord, settings: PlaceScanHttpSettings, site_key: bytes, now: datetime
) -> Draft:
    """The `place_scan` draft of a validated record, its identifier pseudonymised."""
    health: Health = record.health or "unknown"
    verdict = record.verdict or derive_verdict(
        health, settings.deny_health, record.temperature_c, settings.fever_threshold_c
    )
    return Draft(
        kind="place_scan",
        device=device_of(record.terminal, settings.device, "terminal"),
        ts=record.ts or now,
        fields={
            "subject": pseudonymise(site_key, record.id_number),
            "method": record.method or settings.method,
            "health": health,
            "temperature_c": record.temperature_c,
            "verdict": verdict,
            "visitor": record.visitor,
        },
    )


class PlaceScanHttpSource(HttpReceiver):
    """Source type `place_scan_http`: terminals push scans, the outbox gets `place_scan`."""

    def __init__(
        self,
        settings: PlaceScanHttpSettings,
        site_key: bytes,
        *,
        name: str = "place_scan_http",
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(name, settings, clock=clock)
        self.settings = settings
        self._site_key = site_key

    @classmethod
    def from_settings(
        cls, cfg: PlaceScanHttpSettings | SourceEntry, ctx: SourceContext
    ) -> PlaceScanHttpSource:
        """Build the source from its settings entry (the bootstrap's factory call)."""
        return cls(source_settings(PlaceScanHttpSettings, cfg), ctx.site_key)

    def convert(self, record: Any, now: datetime) -> Draft:
        """A pushed record as a `place_scan` draft; RecordError naming bad fields."""
        scan = validate_record(PlaceScanRecord, record, self.settings.timezone)
        return place_scan_draft(scan, self.settings, self._site_key, now)
