"""`sitewatch simulate`: many simulated gateways in one process, against a real broker.

Each simulated gateway is a real agent identity (its own MQTT connection, outbox, `seq`,
retained status and last will) playing the demo park's traffic mix; all of them share
one event loop in one thread (edge_agent/simulation/fleet.py).
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

from rich.console import Console

from edge_agent.simulation.fleet import Fleet, FleetSettings, FleetStats


def run_simulation(
    broker: str, *, gateways: int, rate: float, duration: float, data_dir: Path,
    tick: float = 1.0, batch_threshold: int = 1, report_every: float = 5.0, seed: int = 1,
) -> FleetStats:
    """Run `gateways` gateways at `rate` events/s together until `duration` passes or Ctrl-C."""
    host, _, port = broker.rpartition(":")
    console = Console()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    settings = FleetSettings(
        broker_host=host or "127.0.0.1", broker_port=int(port), gateways=gateways,
        total_rate=rate, data_dir=data_dir, tick_s=tick, batch_threshold=batch_threshold,
        seed=seed,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    console.print(
        f"{gateways} simulated gateways, {rate:g} events/s together "
        f"({settings.rate_per_gateway:g} each) → {broker}"
    )
    last = FleetStats(0.0, 0, 0, 0, 0, 0, gateways)

    def report(stats: FleetStats) -> None:
        nonlocal last
        rate_now = (stats.emitted - last.emitted) / max(stats.elapsed_s - last.elapsed_s, 1e-3)
        last = stats
        console.print(
            f"  {stats.elapsed_s:6.0f}s  {rate_now:8,.0f} events/s  emitted {stats.emitted:,}  "
            f"outbox backlog {stats.outbox_depth:,}  in flight {stats.inflight:,}  "
            f"connected {stats.connected}/{stats.gateways}"
            + (f"  refused {stats.refused:,}" if stats.refused else ""),
            soft_wrap=True,
        )

    final = Fleet(settings).run(stop, report, report_every, duration)
    console.print(
        f"stopped: {final.emitted:,} events emitted, {final.outbox_depth:,} left in the "
        f"outboxes for next time"
    )
    return final
