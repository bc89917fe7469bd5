"""The audit log on SQLite and PostgreSQL: appends chain, tampering by SQL is caught."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from hub.audit import GENESIS, AuditEntry
from hub.ledger import Ledger
from hub.ledger.audit_store import AuditLog, AuditTampered
from hub.ledger.engine import WRITE_OPTION, create_ledger_engine


@pytest.fixture
def engine(ledger: Ledger, ledger_url: str) -> Iterator[Engine]:
    """An engine on the migrated ledger, for the audit log and for tampering with it."""
    created = create_ledger_engine(ledger_url)
    yield created
    created.dispose()


@pytest.fixture
def audit(engine: Engine) -> AuditLog:
    """The audit log of the migrated ledger, with five searches in it."""
    log = AuditLog(engine)
    for i in range(1, 6):
        log.append(search(i))
    return log


def search(i: int, actor: str = "guard-1") -> AuditEntry:
    """An audited event search."""
    return AuditEntry(actor, "security", "events.search", "park-1",
                      {"site": "park-1", "subject": f"{i:064x}", "limit": 100})


def tamper(engine: Engine, *statements: str) -> None:
    """Change the database behind the hub's back, as someone with SQL access could."""
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_appends_chain_and_verify(audit: AuditLog) -> None:
    page = audit.page(limit=10)
    assert [r.id for r in page] == [5, 4, 3, 2, 1]
    assert page[-1].prev_hash == GENESIS
    assert page[-1].detail == {"site": "park-1", "subject": f"{1:064x}", "limit": 100}
    assert page[-1].ts.tzinfo is not None
    verdict = audit.verify()
    assert (verdict.ok, verdict.entries, verdict.first_bad) == (True, 5, None)


def test_an_entry_edited_in_the_database_is_caught(audit: AuditLog, engine: Engine) -> None:
    tamper(engine, """UPDATE audit_log SET detail = '{"site": "park-2"}' WHERE id = 3""")
    verdict = audit.verify()
    assert (verdict.ok, verdict.entries, verdict.first_bad) == (False, 2, 3)
    assert "edited" in verdict.reason


def test_an_entry_deleted_from_the_middle_is_caught(audit: AuditLog, engine: Engine) -> None:
    tamper(engine, "DELETE FROM audit_log WHERE id = 3")
    verdict = audit.verify()
    assert (verdict.ok, verdict.first_bad) == (False, 3)
    assert "entry 3 missing: deleted" in verdict.reason


def test_a_deletion_hidden_by_renumbering_is_caught(audit: AuditLog, engine: Engine) -> None:
    tamper(
        engine,
        "DELETE FROM audit_log WHERE id = 3",
        "UPDATE audit_log SET id = 3 WHERE id = 4",
        "UPDATE audit_log SET id = 4 WHERE id = 5",
        "UPDATE audit_head SET entries = 4",
    )
    verdict = audit.verify()
    assert (verdict.ok, verdict.first_bad) == (False, 3)
    assert "entry 2 was deleted or rewritten" in verdict.reason


def test_the_last_entry_deleted_is_caught_by_the_head(audit: AuditLog, engine: Engine) -> None:
    tamper(engine, "DELETE FROM audit_log WHERE id = 5")
    verdict = audit.verify()
    assert (verdict.ok, verdict.entries, verdict.first_bad) == (False, 4, 5)
    assert "deleted from the end" in verdict.reason


def test_reordered_entries_are_caught(audit: AuditLog, engine: Engine) -> None:
    tamper(
        engine,
        "UPDATE audit_log SET id = 100 WHERE id = 2",
        "UPDATE audit_log SET id = 2 WHERE id = 3",
        "UPDATE audit_log SET id = 3 WHERE id = 100",
    )
    verdict = audit.verify()
    assert (verdict.ok, verdict.first_bad) == (False, 2)
    assert "links to entry 3, not to entry 1: entries were reordered" in verdict.reason


def test_without_its_head_the_log_fails_verify_and_takes_no_entry(
    audit: AuditLog, engine: Engine
) -> None:
    tamper(engine, "DELETE FROM audit_head")
    assert not audit.verify().ok
    with pytest.raises(AuditTampered):
        audit.append(search(6))


def test_an_append_rolled_back_with_its_transaction_leaves_no_gap(
    audit: AuditLog, engine: Engine
) -> None:
    writer = engine.execution_options(**{WRITE_OPTION: True})
    with pytest.raises(RuntimeError), writer.begin() as connection:
        audit.append_in(connection, search(6, actor="rolled-back"))
        raise RuntimeError("the change it recorded failed")
    assert audit.append(search(7)).id == 6
    assert audit.verify().ok


def test_two_replicas_appending_at_once_keep_one_chain(
    ledger: Ledger, ledger_url: str, audit: AuditLog
) -> None:
    engines = [create_ledger_engine(ledger_url) for _ in range(2)]
    replicas = [AuditLog(e) for e in engines]
    per_thread = 40
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def append_many(log: AuditLog, actor: str) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                log.append(search(i, actor=actor))
        except BaseException as exc:  # collected and asserted on in the main thread
            errors.append(exc)

    # Two threads on each replica's engine: four writers racing for the head.
    threads = [
        threading.Thread(target=append_many, args=(replicas[n % 2], f"replica-{n}"))
        for n in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for created in engines:
        created.dispose()
    assert errors == []
    verdict = audit.verify()
    assert (verdict.ok, verdict.entries) == (True, 5 + 4 * per_thread)


def test_pages_filter_by_actor_and_action(audit: AuditLog) -> None:
    audit.append(AuditEntry("pm-1", "property_manager", "event.view", "e-1", {"site": "p"}))
    assert [r.id for r in audit.page(limit=2)] == [6, 5]
    assert [r.id for r in audit.page(limit=2, before_id=5)] == [4, 3]
    assert [r.actor for r in audit.page(actor="pm-1")] == ["pm-1"]
    assert [r.id for r in audit.page(action="events.search", before_id=3)] == [2, 1]


def test_entries_keep_their_time_to_the_microsecond(engine: Engine) -> None:
    at = datetime(2026, 11, 22, 8, 0, 0, 123456, tzinfo=UTC)
    log = AuditLog(engine, clock=lambda: at)
    stored = log.append(search(1))
    assert log.page()[0].ts == at == stored.ts
    assert log.verify().ok
