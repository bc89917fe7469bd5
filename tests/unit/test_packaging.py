"""The agent installs and runs without the hub's libraries (a gateway is small)."""

from __future__ import annotations

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
