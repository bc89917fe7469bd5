"""Schema migrations on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

from hub.ledger import Ledger
from hub.ledger.migrate import schema_drift


def test_migrated_schema_equals_the_tables(ledger_url: str) -> None:
    ledger = Ledger.open(ledger_url)
    ledger.migrate()
    ledger.close()
    assert schema_drift(ledger_url) == []


def test_migrate_twice_is_a_no_op(ledger_url: str) -> None:
    ledger = Ledger.open(ledger_url)
    ledger.migrate()
    ledger.migrate()
    assert ledger.event_count() == 0
    ledger.close()
    assert schema_drift(ledger_url) == []


def test_unmigrated_database_shows_drift(ledger_url: str) -> None:
    assert schema_drift(ledger_url) != []


def test_replicas_starting_together_both_migrate(ledger_url: str) -> None:
    ledgers = [Ledger.open(ledger_url) for _ in range(3)]
    errors: list[BaseException] = []

    def start(ledger: Ledger) -> None:
        try:
            ledger.migrate()
        except BaseException as exc:  # collected and asserted on in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(ledger,)) for ledger in ledgers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for ledger in ledgers:
        ledger.close()
    assert errors == []
    assert schema_drift(ledger_url) == []


def test_sqlite_parent_directory_is_created(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'deep' / 'er' / 'ledger.db'}"
    ledger = Ledger.open(url)
    ledger.migrate()
    ledger.ping()
    ledger.close()
    assert (tmp_path / "deep" / "er" / "ledger.db").exists()
