"""The dashboards as deterministic JSON files, and the check that the files match the code."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as model

from dashboards import police_investigation, property_audit, security_live

DIRECTORY = Path(__file__).resolve().parent
# File name (without .json) → the function building that dashboard.
DASHBOARDS: dict[str, Callable[[], model.Dashboard]] = {
    "security_live": security_live.build,
    "property_audit": property_audit.build,
    "police_investigation": police_investigation.build,
}


def dashboard_json(name: str) -> str:
    """One dashboard's JSON text: sorted keys, two-space indent, a final newline."""
    built = DASHBOARDS[name]()
    return json.dumps(built, cls=JSONEncoder, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_all(directory: Path = DIRECTORY) -> list[Path]:
    """Write every dashboard's JSON into `directory`; the paths written."""
    written = []
    for name in DASHBOARDS:
        path = directory / f"{name}.json"
        path.write_text(dashboard_json(name), encoding="utf-8")
        written.append(path)
    return written


def drifted(directory: Path = DIRECTORY) -> list[Path]:
    """The JSON files in `directory` that are missing or differ from what the code builds."""
    stale = []
    for name in DASHBOARDS:
        path = directory / f"{name}.json"
        if not path.exists() or path.read_text(encoding="utf-8") != dashboard_json(name):
            stale.append(path)
    return stale
