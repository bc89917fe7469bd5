"""Fixtures for the hub: a hub wired with real adapters against the test's own broker."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from hub.bootstrap import Hub, build_hub
from hub.settings import load_hub_settings
from tests.support.servers import MosquittoServer


class RunningHub:
    """A hub started in this process, with an HTTP client on its API."""

    def __init__(self, hub: Hub, stop: threading.Event) -> None:
        self.hub = hub
        self.stop = stop
        self.api = httpx.Client(base_url=f"http://127.0.0.1:{hub.wait_api()}", timeout=10)

    def close(self) -> None:
        """Stop the hub and its client."""
        self.api.close()
        self.stop.set()
        self.hub.close()


@pytest.fixture
def start_hub(
    tmp_path: Path, mosquitto: MosquittoServer
) -> Iterator[Callable[..., RunningHub]]:
    """Start a hub on the test's broker; keyword arguments override settings."""
    running: list[RunningHub] = []

    def start(ledger_url: str | None = None, **overrides: object) -> RunningHub:
        settings = load_hub_settings(
            None,
            ledger_url=ledger_url or f"sqlite:///{tmp_path / 'ledger.db'}",
            media_dir=str(tmp_path / "media"),
            broker={"port": mosquitto.port, "client_id": f"hub-test-{len(running)}"},
            api={"port": 0},
            **overrides,
        )
        stop = threading.Event()
        hub = build_hub(settings)
        hub.start(stop)
        assert hub.subscriber.wait_connected(10)
        result = RunningHub(hub, stop)
        running.append(result)
        return result

    yield start
    for hub in running:
        hub.close()
