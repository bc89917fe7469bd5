"""Fixtures for end-to-end tests: real agents in this process against the test's broker."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from edge_agent.agent import Agent
from edge_agent.bootstrap import SOURCE_FACTORIES, SourceFactory, build_agent
from edge_agent.settings import load_settings
from tests.support.servers import MosquittoServer

SITE = "riverside-science-park"
SITE_KEY = "e2e-site-key-0123456789abcdef"


class RunningAgent:
    """An agent running on its own thread until `close`."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self.stop = threading.Event()
        self.thread = threading.Thread(target=agent.run, args=(self.stop,), name="agent")
        self.thread.start()

    def close(self) -> None:
        """Stop the agent and wait for it."""
        self.stop.set()
        self.thread.join(timeout=20)


@pytest.fixture
def start_agent(
    tmp_path: Path, mosquitto: MosquittoServer
) -> Iterator[Callable[..., RunningAgent]]:
    """Start an agent on the test's broker with the given sources and extra factories."""
    running: list[RunningAgent] = []

    def start(
        gateway: str,
        sources: list[dict[str, Any]],
        factories: Mapping[str, SourceFactory] | None = None,
        **overrides: Any,
    ) -> RunningAgent:
        settings = load_settings(
            None,
            environment="development",
            site=SITE,
            gateway=gateway,
            site_key=SITE_KEY,
            broker={"host": "127.0.0.1", "port": mosquitto.port, "keepalive_s": 5,
                    "reconnect_max_s": 1.0},
            outbox={"path": str(tmp_path / f"outbox-{gateway}.db")},
            health_interval_s=1,
            sources=sources,
            **overrides,
        )
        agent = build_agent(settings, factories={**SOURCE_FACTORIES, **(factories or {})})
        result = RunningAgent(agent)
        running.append(result)
        return result

    yield start
    for agent in running:
        agent.close()
