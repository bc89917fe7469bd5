"""Sequence gaps as the ledger records them, across commits and hub replicas."""

from __future__ import annotations

import threading

from hub.ledger import Ledger
from hub.records import SequenceGap
from tests.ledger.factory import seq_batch


def gaps(ledger: Ledger) -> list[SequenceGap]:
    [gateway] = ledger.list_gateways()
    return gateway.gaps


def test_first_event_after_seq_one_opens_a_gap(ledger: Ledger) -> None:
    ledger.commit(seq_batch(4))
    assert gaps(ledger) == [SequenceGap(1, 3)]


def test_skipped_range_is_a_gap_until_filled(ledger: Ledger) -> None:
    ledger.commit(seq_batch(1, 2, 3, 10, 11))
    assert gaps(ledger) == [SequenceGap(4, 9)]
    ledger.commit(seq_batch(6))
    assert gaps(ledger) == [SequenceGap(4, 5), SequenceGap(7, 9)]
    ledger.commit(seq_batch(4, 9))
    assert gaps(ledger) == [SequenceGap(5, 5), SequenceGap(7, 8)]
    ledger.commit(seq_batch(8, 5, 7))
    assert gaps(ledger) == []
    [gateway] = ledger.list_gateways()
    assert (gateway.last_seq, gateway.events_total) == (11, 11)


def test_replayed_events_change_no_gap(ledger: Ledger) -> None:
    batch = seq_batch(1, 5)
    ledger.commit(batch)
    ledger.commit(batch)
    assert gaps(ledger) == [SequenceGap(2, 4)]


def test_out_of_order_batch(ledger: Ledger) -> None:
    ledger.commit(seq_batch(9, 2, 1, 7, 4))
    assert gaps(ledger) == [SequenceGap(3, 3), SequenceGap(5, 6), SequenceGap(8, 8)]


def test_gaps_are_kept_per_gateway(ledger: Ledger) -> None:
    ledger.commit(seq_batch(3, gateway="gw-a"))
    ledger.commit(seq_batch(1, 2, 3, gateway="gw-b"))
    views = {view.gateway: view.gaps for view in ledger.list_gateways()}
    assert views == {"gw-a": [SequenceGap(1, 2)], "gw-b": []}


def test_replicas_committing_the_same_gateway_leave_no_false_gaps(ledger_url: str) -> None:
    # Two hubs share a gateway's stream (MQTT shared subscription): one gets odd seqs, one even.
    replicas = [Ledger.open(ledger_url) for _ in range(2)]
    errors: list[BaseException] = []

    def run(replica: Ledger, parity: int) -> None:
        try:
            for start in range(1, 200, 10):
                replica.commit(seq_batch(*(s for s in range(start, start + 10) if s % 2 == parity)))
        except BaseException as exc:  # asserted on in the main thread
            errors.append(exc)

    replicas[0].migrate()
    threads = [
        threading.Thread(target=run, args=(r, p)) for r, p in zip(replicas, (0, 1), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    [gateway] = replicas[0].list_gateways()
    assert (gateway.gaps, gateway.last_seq, gateway.events_total) == ([], 200, 200)
    for replica in replicas:
        replica.close()


def test_filling_a_few_of_many_gaps_keeps_the_rest(ledger: Ledger) -> None:
    ledger.commit(seq_batch(*range(1, 22, 2)))  # every even seq 2..20 missing
    ledger.commit(seq_batch(10, 20, 23))
    expected = [SequenceGap(n, n) for n in (2, 4, 6, 8, 12, 14, 16, 18, 22)]
    assert gaps(ledger) == expected
    ledger.commit(seq_batch(*range(2, 23, 2)))
    assert gaps(ledger) == []
