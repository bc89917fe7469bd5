"""The audit log's hash chain (pure): each entry's SHA-256 covers its contents and the
previous entry's hash, so an edited, deleted or reordered entry breaks the chain.

An entry's hash is SHA-256 over its canonical JSON: an object with the keys `id`, `ts`
(UTC, ISO 8601 with microseconds), `actor`, `role`, `action`, `target`, `detail` and
`prev_hash`, keys sorted at every level, no whitespace, UTF-8. The first entry links to
GENESIS. The chain alone cannot show that entries were cut off its end: the ledger keeps
a head (entry count and last hash) beside it, updated with every append.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What to record: who (actor, role) did what (action) to what (target), and the query."""

    actor: str
    role: str
    action: str
    target: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """An entry as stored: numbered, timed and chained to the one before it."""

    id: int
    ts: datetime
    actor: str
    role: str
    action: str
    target: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The anchor kept beside the log: how many entries it has and the last one's hash."""

    entries: int
    last_hash: str


@dataclass(frozen=True, slots=True)
class ChainVerdict:
    """The result of walking the chain: intact, or the first bad entry and why."""

    ok: bool
    entries: int  # entries found intact before the first bad one: all of them when ok
    first_bad: int | None
    reason: str


def plain_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    """`detail` as plain JSON values (times as RFC 3339 text), as it reads back from storage."""
    plain: dict[str, Any] = orjson.loads(orjson.dumps(detail))
    return plain


def entry_hash(entry_id: int, ts: datetime, entry: AuditEntry, prev_hash: str) -> str:
    """SHA-256 (hex) of an entry's canonical JSON."""
    if ts.utcoffset() is None:
        raise ValueError("an audit entry's time must carry a time zone")
    document = {
        "id": entry_id,
        "ts": ts.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "role": entry.role,
        "action": entry.action,
        "target": entry.target,
        "detail": plain_detail(entry.detail),
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def chain_entry(entry: AuditEntry, head: AuditHead, ts: datetime) -> AuditRecord:
    """The record that appends `entry` after `head`: the next id, linked to the last hash."""
    entry_id = head.entries + 1
    return AuditRecord(
        id=entry_id, ts=ts, actor=entry.actor, role=entry.role, action=entry.action,
        target=entry.target, detail=plain_detail(entry.detail), prev_hash=head.last_hash,
        hash=entry_hash(entry_id, ts, entry, head.last_hash),
    )


def recomputed_hash(record: AuditRecord) -> str:
    """What `record.hash` must be, given the record's contents."""
    entry = AuditEntry(record.actor, record.role, record.action, record.target, record.detail)
    return entry_hash(record.id, record.ts, entry, record.prev_hash)


def check_chain(
    records: Iterable[AuditRecord],
    head: AuditHead | None,
    where_is: Callable[[str], int | None],
) -> ChainVerdict:
    """Walk `records` in id order against the head; stop at the first break.

    `where_is(hash)` names the entry holding a hash; it is asked only when an entry does
    not link to the one before it, to tell a reordering from a deletion.
    """
    intact = 0
    last_hash = GENESIS
    for record in records:
        expected = intact + 1
        if record.id != expected:
            last = record.id - 1
            missing = f"entry {expected}" if last == expected else f"entries {expected}-{last}"
            return _bad(intact, expected, f"{missing} missing: deleted")
        if record.prev_hash != last_hash:
            return _bad(intact, record.id, _link_reason(record, where_is))
        if recomputed_hash(record) != record.hash:
            return _bad(intact, record.id, f"entry {record.id} does not match its hash: edited")
        last_hash = record.hash
        intact += 1
    if head is None:
        return _bad(intact, None, "the audit head (entry count and last hash) is missing")
    if intact < head.entries:
        return _bad(
            intact, intact + 1,
            f"the log ends at entry {intact} but the head records {head.entries} entries: "
            "entries were deleted from the end",
        )
    if intact > head.entries:
        return _bad(
            intact, head.entries + 1,
            f"the head records {head.entries} entries but the log has {intact}: "
            "entries were added outside the hub",
        )
    if last_hash != head.last_hash:
        return _bad(intact, intact or None, "the last entry's hash is not the head's: rewritten")
    return ChainVerdict(True, intact, None, f"all {intact} entries intact")


def _link_reason(record: AuditRecord, where_is: Callable[[str], int | None]) -> str:
    before = record.id - 1
    if before == 0:
        return "entry 1 does not link to the start of the log: earlier entries were removed"
    linked = where_is(record.prev_hash)
    if linked is not None:
        return (
            f"entry {record.id} links to entry {linked}, not to entry {before}: "
            "entries were reordered"
        )
    return (
        f"entry {record.id} links to no entry of the log: "
        f"entry {before} was deleted or rewritten"
    )


def _bad(intact: int, first_bad: int | None, reason: str) -> ChainVerdict:
    return ChainVerdict(False, intact, first_bad, reason)
