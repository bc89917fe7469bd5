"""Events as CSV rows: one flat row per event, the same columns in every export (pure)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

EVENT_COLUMNS = (
    "id", "ts", "received_at", "site", "gateway", "seq", "device", "kind",
    "building", "floor", "gate", "enterprise", "person_type", "subject",
    "direction", "result", "reason", "credential", "method", "health", "temperature_c",
    "plate", "media",
)  # fmt: skip
# What the envelope calls its outcome, by kind: the `result` column of the ledger.
_OUTCOME = {"place_scan": "verdict", "access": "result", "vehicle": "result",
            "camera": "type", "sensor": "metric"}
# A cell a spreadsheet would run as a formula (CWE-1236); gateways write these strings.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # so that spreadsheets read the UTF-8 (plates, names) as UTF-8


def event_row(item: Mapping[str, Any]) -> list[str]:
    """The cells of one event item (envelope, received_at, enrichment), in EVENT_COLUMNS order."""
    enrichment = item.get("enrichment") or {}
    credential = item.get("credential") or {}
    values: dict[str, Any] = {
        **{name: item.get(name) for name in ("id", "ts", "received_at", "site", "gateway",
                                             "seq", "device", "kind", "subject", "direction",
                                             "reason", "method", "health", "temperature_c",
                                             "plate")},
        **{name: enrichment.get(name) for name in ("building", "floor", "gate", "enterprise",
                                                   "person_type")},
        "result": item.get(_OUTCOME.get(str(item.get("kind")), "result")),
        "credential": credential.get("type"),
        "media": ";".join(ref["sha256"] for ref in item.get("media") or ()),
    }
    return [_cell(values[name]) for name in EVENT_COLUMNS]


def csv_text(rows: Iterable[list[str]]) -> str:
    """Rows as CSV text, `\\n` line ends."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)  # a negative floor is a number, not a formula
    text = str(value)
    # A leading apostrophe makes a spreadsheet show the text instead of running it;
    # events.json keeps every value exactly as stored.
    return "'" + text if text.startswith(_FORMULA_START) else text
