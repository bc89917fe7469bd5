"""`sitewatch hub`: run the hub until SIGINT or SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

from hub.bootstrap import build_hub
from hub.memory import pin_mmap_threshold
from hub.settings import load_hub_settings


def run_hub(config: Path | None = None, serve_api: bool = True) -> None:
    """Start the hub from a settings file (and the environment); block until signalled."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = load_hub_settings(config)
    pin_mmap_threshold()  # before the hub allocates: flat RSS over days (hub/memory.py)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    hub = build_hub(settings)
    hub.start(stop, serve_api=serve_api)
    logging.getLogger("hub").info(
        "hub running: ledger %s, broker %s:%d", settings.ledger_url.split("@")[-1],
        settings.broker.host, settings.broker.port,
    )
    try:
        stop.wait()
    finally:
        hub.close()


if __name__ == "__main__":
    run_hub()
