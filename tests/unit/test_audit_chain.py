"""The audit hash chain with plain values: intact chains pass, every kind of tampering is named."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest

from hub.audit import (
    GENESIS,
    AuditEntry,
    AuditHead,
    AuditRecord,
    chain_entry,
    check_chain,
    entry_hash,
)

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def build(n: int) -> tuple[list[AuditRecord], AuditHead]:
    """A chain of `n` searches and the head an honest log would keep beside it."""
    head = AuditHead(0, GENESIS)
    records = []
    for i in range(1, n + 1):
        entry = AuditEntry("guard-1", "security", "events.search", "park-1",
                           {"site": "park-1", "limit": 10 * i, "since": T0})
        record = chain_entry(entry, head, T0 + timedelta(seconds=i))
        records.append(record)
        head = AuditHead(record.id, record.hash)
    return records, head


def lookup(records: list[AuditRecord]) -> dict[str, int]:
    """hash → id, as the store's `where_is` answers it."""
    return {r.hash: r.id for r in records}


def test_an_intact_chain_passes() -> None:
    records, head = build(5)
    verdict = check_chain(records, head, lookup(records).get)
    assert (verdict.ok, verdict.entries, verdict.first_bad) == (True, 5, None)
    assert [r.id for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in pairwise(records))


def test_an_empty_log_passes_against_an_empty_head() -> None:
    verdict = check_chain([], AuditHead(0, GENESIS), {}.get)
    assert (verdict.ok, verdict.entries) == (True, 0)


def test_an_edited_entry_is_named() -> None:
    records, head = build(5)
    records[2] = replace(records[2], detail={"site": "another-park"})
    verdict = check_chain(records, head, lookup(records).get)
    assert (verdict.ok, verdict.first_bad, verdict.entries) == (False, 3, 2)
    assert "edited" in verdict.reason


def test_an_edited_entry_with_a_recomputed_hash_breaks_the_next_link() -> None:
    records, head = build(5)
    forged = replace(records[2], actor="someone-else")
    records[2] = replace(forged, hash=entry_hash(3, forged.ts, AuditEntry(
        forged.actor, forged.role, forged.action, forged.target, forged.detail), forged.prev_hash))
    verdict = check_chain(records, head, lookup(records).get)
    assert (verdict.ok, verdict.first_bad) == (False, 4)
    assert "entry 3 was deleted or rewritten" in verdict.reason


def test_a_deleted_entry_is_named_by_its_missing_id() -> None:
    records, head = build(5)
    del records[1]
    verdict = check_chain(records, head, lookup(records).get)
    assert (verdict.ok, verdict.first_bad) == (False, 2)
    assert "entry 2 missing: deleted" in verdict.reason


def test_a_reordered_entry_is_told_from_a_deletion() -> None:
    records, head = build(5)
    second, third = records[1], records[2]
    # Swap their places: each keeps its contents but takes the other's id.
    records[1], records[2] = replace(third, id=2), replace(second, id=3)
    verdict = check_chain(records, head, lookup(records).get)
    assert (verdict.ok, verdict.first_bad) == (False, 2)
    assert "links to entry 3, not to entry 1: entries were reordered" in verdict.reason


def test_entries_cut_off_the_end_are_caught_by_the_head() -> None:
    records, head = build(5)
    verdict = check_chain(records[:3], head, lookup(records).get)
    assert (verdict.ok, verdict.entries, verdict.first_bad) == (False, 3, 4)
    assert "deleted from the end" in verdict.reason


def test_entries_added_behind_the_heads_back_are_caught() -> None:
    records, _ = build(5)
    verdict = check_chain(records, AuditHead(4, records[3].hash), lookup(records).get)
    assert (verdict.ok, verdict.first_bad) == (False, 5)
    assert "added outside the hub" in verdict.reason


def test_a_missing_head_fails_the_check() -> None:
    records, _ = build(2)
    verdict = check_chain(records, None, lookup(records).get)
    assert not verdict.ok and "head" in verdict.reason


def test_the_hash_ignores_key_order_and_time_zone_but_not_values() -> None:
    entry = AuditEntry("a", "admin", "x", None, {"b": 1, "a": [1, {"d": 2, "c": 3}]})
    same = AuditEntry("a", "admin", "x", None, {"a": [1, {"c": 3, "d": 2}], "b": 1})
    east = T0.astimezone(timezone(timedelta(hours=8)))
    assert entry_hash(1, T0, entry, GENESIS) == entry_hash(1, east, same, GENESIS)
    assert entry_hash(1, T0, entry, GENESIS) != entry_hash(2, T0, entry, GENESIS)
    changed = replace(entry, detail={"b": 2, "a": [1, {"d": 2, "c": 3}]})
    assert entry_hash(1, T0, entry, GENESIS) != entry_hash(1, T0, changed, GENESIS)


def test_a_time_without_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        entry_hash(1, datetime(2026, 1, 1), AuditEntry("a", "admin", "x"), GENESIS)


def test_detail_is_stored_as_plain_json() -> None:
    record = chain_entry(AuditEntry("a", "admin", "x", None, {"since": T0, "sites": ("p",)}),
                         AuditHead(0, GENESIS), T0)
    assert record.detail == {"since": "2026-11-22T08:00:00+00:00", "sites": ["p"]}
