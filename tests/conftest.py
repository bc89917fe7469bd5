"""Shared fixtures: real servers of the tests' own, started on free ports."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hub.bootstrap import build_hub
from hub.settings import load_hub_settings
from tests.support.auth import TEST_AUTH
from tests.support.hub_runner import RunningHub
from tests.support.servers import MosquittoServer, PostgresServer


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[MosquittoServer]:
    """A Mosquitto broker for one test; the test may stop, kill and start it again."""
    server = MosquittoServer(tmp_path / "mosquitto").start()
    yield server
    server.kill()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL cluster for the session; each test gets its own database."""
    server = PostgresServer().start()
    yield server
    server.destroy()


_db_numbers = itertools.count(1)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """URL of a new, empty PostgreSQL database."""
    return postgres_server.create_database(f"test_{next(_db_numbers)}")


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A ledger URL on each engine: SQLite file and PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


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
            **{"auth": TEST_AUTH, **overrides},
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
