"""Sequence gaps in the ledger: read the few a batch can touch, write what changed."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, delete, select

from hub.ledger.schema import sequence_gaps
from hub.records import SequenceGap
from hub.sequence import SequenceState, apply_sequence

_DELETE_GAP = delete(sequence_gaps).where(
    sequence_gaps.c.site == bindparam("key_site"),
    sequence_gaps.c.gateway == bindparam("key_gateway"),
    sequence_gaps.c.first == bindparam("key_first"),
)


def advance_sequence(
    connection: Connection, site: str, gateway: str, last_seq: int | None, seqs: list[int]
) -> int:
    """Record a batch's seqs against a gateway's stored gaps; returns the new highest seq."""
    max_seq = last_seq or 0
    lowest, highest = min(seqs), max(seqs)
    # Only gaps overlapping [lowest, highest] can change, and in the usual case (all seqs
    # new) there are none: a gateway with many old gaps costs nothing per batch.
    window = () if lowest > max_seq else _read_window(connection, site, gateway, lowest, highest)
    before = SequenceState(max_seq, window)
    after = apply_sequence(before, seqs)
    gone = set(before.gaps) - set(after.gaps)
    new = set(after.gaps) - set(before.gaps)
    if gone:  # first: a shrunk gap may keep its `first`, the primary key
        connection.execute(
            _DELETE_GAP,
            [{"key_site": site, "key_gateway": gateway, "key_first": g.first} for g in gone],
        )
    if new:
        connection.execute(
            sequence_gaps.insert(),
            [{"site": site, "gateway": gateway, "first": g.first, "last": g.last} for g in new],
        )
    return after.max_seq


def _read_window(
    connection: Connection, site: str, gateway: str, lowest: int, highest: int
) -> tuple[SequenceGap, ...]:
    query = (
        select(sequence_gaps.c.first, sequence_gaps.c.last)
        .where(
            sequence_gaps.c.site == site,
            sequence_gaps.c.gateway == gateway,
            sequence_gaps.c.first <= highest,
            sequence_gaps.c.last >= lowest,
        )
        .order_by(sequence_gaps.c.first)
    )
    return tuple(SequenceGap(first, last) for first, last in connection.execute(query))
