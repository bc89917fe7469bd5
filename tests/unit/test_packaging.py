"""The agent installs and runs without the hub's libraries (a gateway is small)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

HUB_ONLY = ("fastapi", "sqlalchemy", "alembic", "uvicorn", "psycopg", "influxdb_client")


def test_agent_extra_leaves_out_the_hub_libraries() -> None:
    project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
    agent = " ".join(project["dependencies"] + project["optional-dependencies"]["agent"]).lower()
    for name in ("fastapi", "sqlalchemy", "alembic", "uvicorn", "psycopg", "influxdb-client"):
        assert name not in agent


def test_agent_program_imports_no_hub_library() -> None:
    # A fresh interpreter: what the agent's entry points import, and nothing else.
    code = (
        "import sys, edge_agent.main, edge_agent.bootstrap, edge_agent.mqtt, "
        "edge_agent.sources.simulator, sitewatch.cli\n"
        f"bad = [m for m in {HUB_ONLY!r} if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# The one-vendor-library-per-adapter rule, checked on the source text.
ADAPTERS = {
    # The simulated fleet's link is the load generator's own MQTT adapter (many gateways
    # on one event loop), not a second copy of the agent's.
    "paho": {"edge_agent/mqtt.py", "edge_agent/simulation/fleet_link.py", "hub/mqtt.py",
             "sitewatch/bench/mqtt_baseline.py"},
    "cv2": "edge_agent/camera/",
}


def _importers(library: str) -> set[str]:
    found = set()
    for path in Path(".").glob("*/**/*.py"):
        if path.parts[0] in {".venv", "tests", "build"}:
            continue
        pattern = rf"^\s*(import|from)\s+{library}\b"
        if re.search(pattern, path.read_text(encoding="utf-8"), re.MULTILINE):
            found.add(path.as_posix())
    return found


def test_paho_is_imported_only_by_the_mqtt_adapters() -> None:
    assert _importers("paho") <= ADAPTERS["paho"]


def test_opencv_is_imported_only_inside_the_camera_adapter_package() -> None:
    outside = {p for p in _importers("cv2") if not p.startswith("edge_agent/camera/")}
    assert not outside


def test_agent_starts_without_loading_opencv_when_no_camera_is_configured() -> None:
    # OpenCV costs tens of MB: a gateway with only scanners and doors must not load it.
    code = (
        "import sys, edge_agent.main, edge_agent.bootstrap, edge_agent.receivers\n"
        "assert 'cv2' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
