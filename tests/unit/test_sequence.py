"""Sequence-gap bookkeeping with plain values."""

from __future__ import annotations

from hub.records import SequenceGap
from hub.sequence import SequenceState, apply_sequence

EMPTY = SequenceState()


def test_first_seq_one_opens_no_gap() -> None:
    assert apply_sequence(EMPTY, [1]) == SequenceState(1, ())


def test_first_seq_five_opens_gap_one_to_four() -> None:
    assert apply_sequence(EMPTY, [5]) == SequenceState(5, (SequenceGap(1, 4),))


def test_consecutive_seqs_open_no_gap() -> None:
    assert apply_sequence(EMPTY, range(1, 101)) == SequenceState(100, ())


def test_skip_opens_gap_after_max() -> None:
    state = apply_sequence(SequenceState(10, ()), [11, 15])
    assert state == SequenceState(15, (SequenceGap(12, 14),))


def test_filling_middle_of_gap_splits_it() -> None:
    state = apply_sequence(SequenceState(10, (SequenceGap(2, 8),)), [5])
    assert state == SequenceState(10, (SequenceGap(2, 4), SequenceGap(6, 8)))


def test_filling_gap_edges_shrinks_it() -> None:
    state = apply_sequence(SequenceState(10, (SequenceGap(2, 8),)), [2, 8])
    assert state.gaps == (SequenceGap(3, 7),)


def test_filling_single_seq_gap_removes_it() -> None:
    state = apply_sequence(SequenceState(10, (SequenceGap(4, 4), SequenceGap(7, 9))), [4])
    assert state.gaps == (SequenceGap(7, 9),)


def test_filling_whole_gap_removes_it() -> None:
    state = apply_sequence(SequenceState(10, (SequenceGap(3, 6),)), [6, 4, 3, 5])
    assert state == SequenceState(10, ())


def test_duplicates_and_already_seen_change_nothing() -> None:
    state = SequenceState(10, (SequenceGap(4, 6),))
    assert apply_sequence(state, [1, 2, 3, 7, 10, 10, 3]) == state


def test_out_of_order_batch_equals_sorted_batch() -> None:
    shuffled = apply_sequence(EMPTY, [9, 3, 1, 12, 2, 9, 7])
    assert shuffled == apply_sequence(EMPTY, [1, 2, 3, 7, 9, 12])
    assert shuffled == SequenceState(
        12, (SequenceGap(4, 6), SequenceGap(8, 8), SequenceGap(10, 11))
    )


def test_applying_twice_is_idempotent() -> None:
    once = apply_sequence(EMPTY, [1, 4, 9, 6])
    assert apply_sequence(once, [1, 4, 9, 6]) == once


def test_late_delivery_fills_across_calls() -> None:
    state = apply_sequence(EMPTY, [1, 2, 6])
    state = apply_sequence(state, [3, 5])
    assert state == SequenceState(6, (SequenceGap(4, 4),))
    assert apply_sequence(state, [4]) == SequenceState(6, ())


def test_batch_mixing_fills_and_new_seqs() -> None:
    state = apply_sequence(SequenceState(5, (SequenceGap(2, 3),)), [8, 3, 6])
    assert state == SequenceState(8, (SequenceGap(2, 2), SequenceGap(7, 7)))
