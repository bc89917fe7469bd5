"""`sitewatch demo`: the whole system on one machine, on the embedded default.

A local broker (Mosquitto when installed, else amqtt in-process), the hub on a SQLite
ledger, and one simulated agent per gateway of the bundled demo park. Data stays in the
data directory for the next start; Ctrl-C stops everything cleanly.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
import webbrowser
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from edge_agent.agent import Agent
from edge_agent.bootstrap import build_agent
from edge_agent.settings import load_settings
from edge_agent.simulation import load_registry
from hub.bootstrap import Hub, build_hub
from hub.memory import pin_mmap_threshold
from hub.registry import RegistryImport, open_and_import
from hub.settings import load_hub_settings
from sitewatch.brokers import LocalBroker, start_local_broker
from sitewatch.demo_registry import demo_registry

# A fixed key for the demo park only: agents and hub must agree on it to search by raw ID.
DEMO_SITE_KEY = "demo-site-key-not-for-production-use"
# Printed at start: the demo's console and API sign-in (development settings only).
DEMO_USERS = (
    ("demo", "sitewatch-demo", "admin"),
    ("guard", "sitewatch-guard", "security"),
    ("police", "sitewatch-police", "police"),
    ("manager", "sitewatch-manager", "property_manager"),
)


def run_demo(data_dir: Path, port: int = 8000, speed: float = 1.0) -> None:
    """Start broker, hub and simulated agents; show a live summary until Ctrl-C."""
    console = Console()
    data_dir.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.WARNING, filename=data_dir / "demo.log",
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGHUP: the terminal closed
        signal.signal(sig, lambda *_: stop.set())

    first_start = not (data_dir / "ledger.db").exists()
    if first_start:  # the hub's registry: the demo park and the people the agents simulate
        ledger_url = f"sqlite:///{(data_dir / 'ledger.db').resolve()}"
        open_and_import(ledger_url, RegistryImport.of_document(demo_registry(DEMO_SITE_KEY)))
    broker = start_local_broker(data_dir / "broker")
    hub = _start_hub(data_dir, broker, port, stop, create_users=first_start)
    agents = _start_agents(data_dir, broker, speed, stop, backfill=first_start)
    api = f"http://127.0.0.1:{hub.wait_api()}"
    console.print(
        f"[bold green]sitewatch demo running[/] (broker: {broker.name}, port {broker.port})"
    )
    console.print(f"  console      {api}/console/")
    _open_in_browser(f"{api}/console/")
    console.print(f"  API docs     {api}/docs")
    console.print(f"  events       {api}/api/v1/events")
    console.print(f"  gateways     {api}/api/v1/gateways")
    console.print(f"  dead letters {api}/api/v1/dead-letters")
    console.print(f"  data         {data_dir.resolve()} (kept for the next start)")
    console.print(
        "  sign in      "
        + ", ".join(f"{name}/{password} ({role})" for name, password, role in DEMO_USERS)
    )
    console.print("Ctrl-C stops it.")
    try:
        with Live(_summary(hub, agents), console=console, refresh_per_second=1) as live:
            while not stop.wait(1.0):
                live.update(_summary(hub, agents))
    finally:
        console.print("stopping…")
        stop.set()
        for _, thread in agents:
            thread.join(timeout=15)
        hub.close()
        broker.stop()
        console.print("stopped; data kept in", str(data_dir))


def _start_hub(
    data_dir: Path, broker: LocalBroker, port: int, stop: threading.Event, create_users: bool
) -> Hub:
    settings = load_hub_settings(
        None,
        ledger_url=f"sqlite:///{(data_dir / 'ledger.db').resolve()}",
        media_dir=str(data_dir / "media"),
        broker={"port": broker.port, "client_id": "sitewatch-demo-hub",
                "mqtt_version": broker.mqtt_version},
        api={"port": port},
        auth={"environment": "development"},
        site_keys={load_registry(None).site.id: DEMO_SITE_KEY},
    )
    pin_mmap_threshold()  # as `sitewatch hub` does (hub/memory.py)
    hub = build_hub(settings)
    # Before the API serves, so the printed sign-ins work from its first answer (the first
    # start's registry import has migrated the ledger already).
    if create_users:
        _create_demo_users(hub)
    hub.start(stop)
    return hub


def _open_in_browser(url: str) -> None:
    """Open the console in the desktop's browser; on a machine without a screen, do nothing.

    Without a display, `webbrowser` would fall back to a text browser in this terminal.
    """
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or sys.platform == "darwin":
        webbrowser.open_new_tab(url)


def _create_demo_users(hub: Hub) -> None:
    """The demo's sign-ins, one per role; the property manager looks after the demo park."""
    site = load_registry(None).site.id
    for name, password, role in DEMO_USERS:
        sites = [site] if role == "property_manager" else []
        hub.accounts.create(name, password, role, sites)


def _start_agents(
    data_dir: Path, broker: LocalBroker, speed: float, stop: threading.Event, backfill: bool
) -> list[tuple[Agent, threading.Thread]]:
    registry = load_registry(None)
    now = datetime.now(UTC)
    sources: list[dict[str, Any]] = [{"type": "simulator", "name": "live", "speed": speed}]
    if backfill:
        # On the first start, play the last 24 hours in about half a minute so the
        # ledger has a day of history to search; live traffic follows from now on.
        sources.append({"type": "simulator", "name": "history", "speed": 3000,
                        "start": now - timedelta(days=1), "end": now})
    started = []
    for gateway in registry.gateways:
        settings = load_settings(
            None,
            environment="development",
            site=registry.site.id,
            gateway=gateway.id,
            site_key=DEMO_SITE_KEY,
            broker={"host": "127.0.0.1", "port": broker.port,
                    "mqtt_version": broker.mqtt_version},
            outbox={"path": str(data_dir / f"outbox-{gateway.id}.db")},
            health_interval_s=5,
            sources=sources,
        )
        agent = build_agent(settings)
        thread = threading.Thread(target=agent.run, args=(stop,), name=f"agent-{gateway.id}")
        thread.start()
        started.append((agent, thread))
    return started


def _summary(hub: Hub, agents: list[tuple[Agent, threading.Thread]]) -> Table:
    counters = hub.ingest.counters
    table = Table(title=f"sitewatch demo — {time.strftime('%H:%M:%S')}", show_header=True)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("events stored", f"{counters.events_stored:,}")
    table.add_row("duplicates absorbed", f"{counters.duplicates:,}")
    table.add_row("dead letters", f"{counters.dead_letters:,}")
    for agent, _ in agents:
        health: Any = None
        with contextlib.suppress(Exception):
            health = agent.health()
        depth = "?" if health is None else f"{health.outbox_depth:,}"
        table.add_row(f"outbox {agent.identity.gateway}", depth)
    return table
