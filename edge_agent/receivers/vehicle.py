"""Plate-recognition cameras pushing plate reads over HTTP → `vehicle` events.

Input: one JSON object, or an array of them::

    {"camera": "lpr-east-in",                # device id; the configured `device` if absent
     "ts": "2026-11-22T08:01:02+08:00",      # RFC 3339; now if absent
     "plate": "京A 12345",                    # required
     "direction": "in",                      # in | out (entry/exit accepted); required
     "result": "granted",                    # granted | denied (allowed/open, blocked…)
     "confidence": 0.93}                     # 0..1, optional

The plate is normalised before it is checked against the protocol (1..16 printable
characters): Unicode NFKC (full-width letters become ASCII), white space and the middle
dot some plates are printed with removed, upper case. Reads below `min_confidence` are
skipped and counted, not refused: the camera did nothing wrong by sending them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from edge_agent.ports import Draft
from edge_agent.receivers.intake import HttpReceiver, utc_now
from edge_agent.receivers.records import (
    DeviceId,
    InputModel,
    Timestamp,
    device_of,
    synonyms,
    validate_record,
)
from edge_agent.receivers.settings import (
    Direction,
    VehicleHttpSettings,
)
from edge_agent.settings import SourceContext, SourceEntry, source_settings
from sitewatch.protocol.events import Printable

_PRINTABLE = re.compile(Printable)
_SEPARATORS = {ord(c): None for c in " \t·•・"}
_DIRECTIONS = {"entry": "in", "enter": "in", "进": "in", "exit": "out", "leave": "out", "出": "out"}
_RESULTS = {
    **dict.fromkeys(("allowed", "allow", "open", "opened", "pass", "ok"), "granted"),
    **dict.fromkeys(("deny", "blocked", "rejected", "refused"), "denied"),
}


def normalise_plate(raw: str) -> str:
    """A plate as the ledger keeps it: NFKC, no spaces or middle dots, upper case."""
    return unicodedata.normalize("NFKC", raw).translate(_SEPARATORS).upper()


def _protocol_plate(raw: str) -> str:
    plate = normalise_plate(raw)
    if not 1 <= len(plate) <= 16:
        raise ValueError("must have 1 to 16 characters besides spaces")
    if not _PRINTABLE.match(plate):
        raise ValueError("has characters that are not allowed")
    return plate


Plate = Annotated[str, Field(strict=True), AfterValidator(_protocol_plate)]


class PlateRead(InputModel):
    """One plate read as a camera pushes it (the format in this module's docstring)."""

    camera: DeviceId | None = Field(None, description="camera id; default: configured")
    ts: Timestamp | None = Field(None, description="when it was read; default: now")
    plate: Plate = Field(description="the plate as read")
    direction: Annotated[Direction, synonyms(_DIRECTIONS)]
    result: Annotated[Literal["granted", "denied"], synonyms(_RESULTS)]
    confidence: float | None = Field(None, ge=0.0, le=1.0)


def vehicle_draft(read: PlateRead, default_device: str | None, now: datetime) -> Draft:
    """The `vehicle` draft of a validated plate read."""
    return Draft(
        kind="vehicle",
        device=device_of(read.camera, default_device, "camera"),
        ts=read.ts or now,
        fields={"plate": read.plate, "direction": read.direction, "result": read.result},
    )


class VehicleHttpSource(HttpReceiver):
    """Source type `vehicle_http`: plate cameras push reads, the outbox gets `vehicle`."""

    def __init__(
        self,
        settings: VehicleHttpSettings,
        *,
        name: str = "vehicle_http",
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(name, settings, clock=clock)
        self.settings = settings

    @classmethod
    def from_settings(
        cls, cfg: VehicleHttpSettings | SourceEntry, ctx: SourceContext
    ) -> VehicleHttpSource:
        """Build the source from its settings entry (the bootstrap's factory call)."""
        return cls(source_settings(VehicleHttpSettings, cfg))

    def convert(self, record: Any, now: datetime) -> Draft | None:
        """A pushed read as a `vehicle` draft; None below the confidence floor."""
        read = validate_record(PlateRead, record, self.settings.timezone)
        if read.confidence is not None and read.confidence < self.settings.min_confidence:
            return None
        return vehicle_draft(read, self.settings.device, now)
