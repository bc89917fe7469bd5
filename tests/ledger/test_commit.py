"""Committing ingest batches: idempotent events, gateways, dead letters, media, atomicity."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta

import pytest

from hub.ledger import Ledger
from hub.records import CommitResult, IngestBatch, SequenceGap
from tests.ledger.factory import (
    GATEWAY,
    RECEIVED,
    SITE,
    dead_letter,
    envelope,
    events_batch,
    health,
    media_record,
    record,
    seq_batch,
    status,
)


def counts(result: CommitResult) -> tuple[int, int]:
    """(stored, duplicates) of a commit, whose `fresh` must hold exactly the stored events."""
    assert len({r.event.id for r in result.fresh}) == len(result.fresh) == result.stored
    return result.stored, result.duplicates


def test_commit_stores_events(ledger: Ledger) -> None:
    result = ledger.commit(seq_batch(1, 2, 3))
    assert counts(result) == (3, 0)
    assert ledger.event_count() == 3


def test_repeated_commit_stores_nothing_and_counts_duplicates(ledger: Ledger) -> None:
    batch = seq_batch(1, 2, 3)
    ledger.commit(batch)
    assert counts(ledger.commit(batch)) == (0, 3)
    assert ledger.event_count() == 3
    [gateway] = ledger.list_gateways()
    assert gateway.events_total == 3


def test_partly_repeated_batch_stores_only_new_events(ledger: Ledger) -> None:
    first = seq_batch(1, 2)
    ledger.commit(first)
    again = IngestBatch(events=[*first.events, *seq_batch(3).events])
    assert counts(ledger.commit(again)) == (1, 2)


def test_duplicate_inside_one_batch_is_stored_once(ledger: Ledger) -> None:
    doc = envelope(1)
    assert counts(ledger.commit(events_batch(doc, doc))) == (1, 1)


def test_stored_event_is_the_body_as_received(ledger: Ledger) -> None:
    doc = envelope(7, kind="camera", boxes=[[1, 2, 3, 4]], **{"in": 1})
    ledger.commit(events_batch(doc))
    stored = ledger.get_event(doc["id"])
    unknown = dict.fromkeys(("building", "floor", "gate", "enterprise", "person_type"))
    assert stored == {**doc, "received_at": RECEIVED.isoformat(), "enrichment": unknown}


def test_every_kind_is_stored(ledger: Ledger) -> None:
    docs = [
        envelope(n, kind=kind)
        for n, kind in enumerate(("place_scan", "access", "camera", "vehicle", "sensor"), start=1)
    ]
    assert ledger.commit(events_batch(*docs)).stored == 5


def test_get_event_accepts_any_id_case(ledger: Ledger) -> None:
    ulid = "01HXAMP1E0000000000000000Z"
    doc = envelope(1, id=ulid.lower())
    ledger.commit(events_batch(doc))
    assert ledger.get_event(ulid.lower()) is not None
    assert ledger.get_event(ulid) is not None
    assert ledger.get_event("00000000-0000-0000-0000-000000000000") is None


def test_gateway_counters_follow_events(ledger: Ledger) -> None:
    ledger.commit(seq_batch(1, 2, 3))
    later = RECEIVED + timedelta(minutes=5)
    ledger.commit(events_batch(envelope(4), received_at=later))
    [gateway] = ledger.list_gateways()
    assert (gateway.site, gateway.gateway) == (SITE, GATEWAY)
    assert gateway.state == "unknown"  # events seen, no status yet
    assert gateway.last_seq == 4
    assert gateway.events_total == 4
    assert gateway.last_seen == later
    assert gateway.gaps == []
    # An older batch arriving late does not move last_seen back.
    ledger.commit(events_batch(envelope(5), received_at=RECEIVED))
    assert ledger.list_gateways()[0].last_seen == later


def test_mixed_batch_in_one_commit(ledger: Ledger) -> None:
    snapshot = b"\xff\xd8jpeg bytes"
    batch = IngestBatch(
        events=seq_batch(1, 2).events,
        dead_letters=[dead_letter(b"{not json")],
        statuses=[status("online")],
        healths=[health(depth=12)],
        media=[media_record(snapshot)],
    )
    assert counts(ledger.commit(batch)) == (2, 0)
    [gateway] = ledger.list_gateways()
    assert gateway.state == "online"
    assert gateway.agent_version == "1.0.0"
    assert gateway.config_hash == "c0ffee"
    assert gateway.started_at is not None and gateway.started_at.utcoffset() == timedelta(0)
    assert gateway.events_total == 2
    assert gateway.health is not None and gateway.health["outbox_depth"] == 12
    assert ledger.dead_letter_count() == 1
    digest = hashlib.sha256(snapshot).hexdigest()
    assert ledger.media_path(digest) == f"/media/{digest}"
    assert ledger.media_path("0" * 64) is None


def test_media_is_stored_once(ledger: Ledger) -> None:
    first = media_record(b"clip")
    ledger.commit(IngestBatch(media=[first]))
    ledger.commit(IngestBatch(media=[replace(first, path="/elsewhere")]))
    assert ledger.media_path(first.sha256) == first.path


def test_newest_status_wins(ledger: Ledger) -> None:
    later = RECEIVED + timedelta(seconds=30)
    ledger.commit(IngestBatch(statuses=[status("offline", later), status("online", RECEIVED)]))
    [gateway] = ledger.list_gateways()
    assert gateway.state == "offline"
    assert gateway.last_seen == later
    # A stale status delivered afterwards changes nothing but can't move last_seen back.
    ledger.commit(IngestBatch(statuses=[status("online", RECEIVED, version="0.9")]))
    [gateway] = ledger.list_gateways()
    assert (gateway.state, gateway.agent_version) == ("offline", "1.0.0")
    ledger.commit(IngestBatch(statuses=[status("online", later + timedelta(seconds=1))]))
    assert ledger.list_gateways()[0].state == "online"


def test_newest_health_wins(ledger: Ledger) -> None:
    later = RECEIVED + timedelta(seconds=30)
    ledger.commit(IngestBatch(healths=[health(5, later)]))
    ledger.commit(IngestBatch(healths=[health(9, RECEIVED)]))
    [gateway] = ledger.list_gateways()
    assert gateway.health is not None and gateway.health["outbox_depth"] == 5
    assert gateway.state == "unknown"
    assert gateway.events_total == 0
    assert gateway.last_seq is None


def test_gateways_are_listed_in_order_with_their_gaps(ledger: Ledger) -> None:
    ledger.commit(seq_batch(2, gateway="gw-b"))
    ledger.commit(seq_batch(1, 5, 9, gateway="gw-a"))
    ledger.commit(IngestBatch(statuses=[status("online", gateway="gw-c")]))
    views = ledger.list_gateways()
    assert [v.gateway for v in views] == ["gw-a", "gw-b", "gw-c"]
    assert views[0].gaps == [SequenceGap(2, 4), SequenceGap(6, 8)]
    assert views[1].gaps == [SequenceGap(1, 1)]
    assert views[2].gaps == [] and views[2].last_seq is None


def test_failed_commit_leaves_nothing_behind(ledger: Ledger) -> None:
    ledger.commit(IngestBatch(events=seq_batch(1).events, statuses=[status("online")]))
    before = ledger.list_gateways()
    broken = replace(media_record(b"x"), path=None)  # violates NOT NULL, written last
    batch = IngestBatch(
        events=seq_batch(2, 5).events,
        dead_letters=[dead_letter(b"junk")],
        statuses=[status("offline", RECEIVED + timedelta(minutes=1))],
        healths=[health(3)],
        media=[media_record(b"fine"), broken],
    )
    with pytest.raises(Exception, match=r"(?i)not[ -]null"):
        ledger.commit(batch)
    assert ledger.event_count() == 1
    assert ledger.dead_letter_count() == 0
    assert ledger.list_gateways() == before
    assert ledger.media_path(media_record(b"fine").sha256) is None
    # The same batch, repaired, commits as if the failure never happened.
    batch.media = [media_record(b"fine")]
    assert counts(ledger.commit(batch)) == (2, 0)
    assert ledger.list_gateways()[0].gaps == [SequenceGap(3, 4)]


def test_naive_received_at_is_refused(ledger: Ledger) -> None:
    naive = record(envelope(1), received_at=RECEIVED.replace(tzinfo=None))
    with pytest.raises(ValueError, match="naive"):
        ledger.commit(IngestBatch(events=[naive]))
    assert ledger.event_count() == 0


def test_ping_and_close(ledger: Ledger) -> None:
    ledger.ping()
    ledger.close()


def test_a_batch_larger_than_one_insert_statement_is_stored_whole(ledger: Ledger) -> None:
    # More rows than EventsInsert.CHUNK_ROWS: several statements in one transaction.
    batch = seq_batch(*range(1, 6_002))
    assert counts(ledger.commit(batch)) == (6_001, 0)
    assert counts(ledger.commit(batch)) == (0, 6_001)
    [gateway] = ledger.list_gateways()
    assert (gateway.events_total, gateway.last_seq, gateway.gaps) == (6_001, 6_001, [])
