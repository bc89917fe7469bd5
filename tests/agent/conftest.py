"""Fixtures of the agent tests: an outbox on a temporary file, a stamp, drafts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from edge_agent.outbox import Outbox, Stamp

SITE = "park-1"
GATEWAY = "gw-north"
STAMP = Stamp(SITE, GATEWAY, now=1_800_000_000.0)


@pytest.fixture
def outbox_path(tmp_path: Path) -> Path:
    """Where the test's outbox lives."""
    return tmp_path / "outbox.db"


@pytest.fixture
def outbox(outbox_path: Path) -> Iterator[Outbox]:
    """An outbox with a generous budget."""
    box = Outbox(outbox_path, max_bytes=64 * 1024 * 1024)
    yield box
    box.close()
