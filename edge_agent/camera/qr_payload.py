"""What a health or place QR code says: an identifier, a health colour, a temperature.

Accepted forms: JSON `{"id": ..., "health": ..., "temperature_c": ...}`, a URL with query
parameters `id` (and `health`, `temperature_c`), or plain text, which is all identifier.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

Health = Literal["green", "yellow", "red", "unknown"]
_HEALTH: dict[str, Health] = {"green": "green", "yellow": "yellow", "red": "red"}
# What the protocol accepts for a body temperature; anything else is a misread.
MIN_TEMPERATURE_C, MAX_TEMPERATURE_C = 20.0, 50.0


@dataclass(frozen=True, slots=True)
class QrPayload:
    """A decoded QR code. `identifier` is personal: pseudonymise it, never log it."""

    identifier: str
    health: Health
    temperature_c: float | None

    def __repr__(self) -> str:  # keep the identifier out of logs and tracebacks
        return f"QrPayload(identifier=<hidden>, health={self.health!r})"


def parse_payload(text: str) -> QrPayload | None:
    """The identifier, health and temperature a code carries; None if it names nobody."""
    text = text.strip()
    if not text:
        return None
    fields = _json_fields(text)
    if fields is None:
        fields = _url_fields(text)
    if fields is None:
        return QrPayload(identifier=text, health="unknown", temperature_c=None)
    identifier = fields.get("id")
    if not isinstance(identifier, str | int) or isinstance(identifier, bool):
        return None
    identifier = str(identifier).strip()
    if not identifier:
        return None
    return QrPayload(
        identifier=identifier,
        health=_health(fields.get("health")),
        temperature_c=_temperature(fields.get("temperature_c")),
    )


def _json_fields(text: str) -> dict[str, Any] | None:
    if not text.startswith("{"):
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _url_fields(text: str) -> dict[str, Any] | None:
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    query = {key: values[0] for key, values in parse_qs(parts.query).items() if values}
    return query if "id" in query else None


def _health(value: Any) -> Health:
    return _HEALTH.get(str(value).strip().lower(), "unknown") if value is not None else "unknown"


def _temperature(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        celsius = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(celsius) or not MIN_TEMPERATURE_C <= celsius <= MAX_TEMPERATURE_C:
        return None
    return round(celsius, 1)
