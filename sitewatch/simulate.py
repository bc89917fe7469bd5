"""`sitewatch simulate`: many simulated gateways in one process, against a real broker.

Each simulated gateway is a real agent (outbox, delivery, status, health) whose source
plays one of the demo park's gateways at a fixed rate, under its own gateway id.
"""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

from rich.console import Console

from edge_agent.bootstrap import build_agent
from edge_agent.settings import load_settings
from edge_agent.simulation import load_registry


def run_simulation(
    broker: str, *, gateways: int, rate: float, duration: float, data_dir: Path,
    site_key: str = "demo-site-key-not-for-production-use",
) -> None:
    """Run `gateways` agents at `rate` events/s each until `duration` passes or Ctrl-C."""
    host, _, port = broker.rpartition(":")
    console = Console()
    registry = load_registry(None)
    played = [g.id for g in registry.gateways]
    data_dir.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    threads = []
    agents = []
    for i in range(gateways):
        gateway = f"sim-{i:03d}"
        settings = load_settings(
            None,
            environment="development",
            site=registry.site.id,
            gateway=gateway,
            site_key=site_key,
            broker={"host": host or "127.0.0.1", "port": int(port)},
            outbox={"path": str(data_dir / f"outbox-{gateway}.db")},
            sources=[{"type": "simulator", "rate": rate, "seed": i,
                      "plays": played[i % len(played)]}],
        )
        agent = build_agent(settings)
        thread = threading.Thread(target=agent.run, args=(stop,), name=f"agent-{gateway}")
        thread.start()
        agents.append(agent)
        threads.append(thread)
    console.print(f"{gateways} simulated gateways at {rate:g} events/s each → {broker}")
    started = time.monotonic()
    while not stop.wait(5.0):
        depth = sum(a.health().outbox_depth for a in agents)
        console.print(f"  {time.monotonic() - started:6.0f}s  outbox backlog {depth:,}")
        if duration and time.monotonic() - started >= duration:
            stop.set()
    for thread in threads:
        thread.join(timeout=15)
    console.print("stopped")
