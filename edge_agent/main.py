"""Run the agent as a program: logging, signals, and block until told to stop."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from edge_agent.bootstrap import build_agent
from edge_agent.settings import load_settings

log = logging.getLogger("edge_agent")


def run_agent(config: Path | None) -> None:
    """Load settings, build the agent, run it until SIGINT or SIGTERM."""
    settings = load_settings(config)
    logging.basicConfig(
        stream=sys.stderr,
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    agent = build_agent(settings)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        log.info("received %s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    agent.run(stop)
