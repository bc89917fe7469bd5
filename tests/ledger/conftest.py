"""A migrated ledger on each engine (SQLite file, real PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.ledger import Ledger


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    """A freshly migrated, empty ledger."""
    opened = Ledger.open(ledger_url)
    opened.migrate()
    yield opened
    opened.close()
