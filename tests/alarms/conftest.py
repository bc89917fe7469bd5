"""An alarm store on a migrated ledger database, on each engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.alarms import AlarmStore
from hub.ledger import Ledger


def migrated(url: str) -> str:
    """Migrate the ledger database at `url` (alarm tables included); return the URL."""
    ledger = Ledger.open(url)
    ledger.migrate()
    ledger.close()
    return url


@pytest.fixture
def store(ledger_url: str) -> Iterator[AlarmStore]:
    """An alarm store on a fresh, migrated SQLite file or PostgreSQL database."""
    opened = AlarmStore.open(migrated(ledger_url))
    yield opened
    opened.close()
