"""Per-gateway sequence bookkeeping: which `seq` numbers were never delivered (pure logic)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from hub.records import SequenceGap


@dataclass(frozen=True, slots=True)
class SequenceState:
    """The highest seq seen from a gateway and the runs below it still missing, in order."""

    max_seq: int = 0
    gaps: tuple[SequenceGap, ...] = ()


def apply_sequence(state: SequenceState, seqs: Iterable[int]) -> SequenceState:
    """The state after seeing `seqs` (any order, duplicates allowed); idempotent."""
    max_seq = state.max_seq
    gaps = list(state.gaps)
    for seq in sorted(set(seqs)):
        if seq < 1:
            continue  # the protocol starts at 1; nothing below it can be missing
        if seq > max_seq:
            if seq > max_seq + 1:
                gaps.append(SequenceGap(max_seq + 1, seq - 1))
            max_seq = seq
        else:
            _fill(gaps, seq)
    return SequenceState(max_seq, tuple(gaps))


def _fill(gaps: list[SequenceGap], seq: int) -> None:
    """Remove `seq` from the gap holding it, if any (gaps are sorted and disjoint)."""
    index = bisect_right(gaps, seq, key=lambda gap: gap.first) - 1
    if index < 0 or gaps[index].last < seq:
        return  # seen before: not inside any gap
    gap = gaps[index]
    pieces = []
    if gap.first < seq:
        pieces.append(SequenceGap(gap.first, seq - 1))
    if seq < gap.last:
        pieces.append(SequenceGap(seq + 1, gap.last))
    gaps[index : index + 1] = pieces
