"""Shared fixtures: real servers of the tests' own, started on free ports."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

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
