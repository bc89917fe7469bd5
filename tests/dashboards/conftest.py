"""Fixtures of the dashboard tests: an InfluxDB 1.x server of the tests' own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import InfluxDB1Server


@pytest.fixture(scope="module")
def influxdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxDB1Server]:
    """InfluxDB 1.x for a module's tests; fails (no skip) when influxd is not installed."""
    workdir: Path = tmp_path_factory.mktemp("influxdb")
    server = InfluxDB1Server(workdir).start()
    yield server
    server.stop()
