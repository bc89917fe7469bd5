"""The SQLite outbox: seq assignment, validation, deletion, disk budget."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import orjson
import pytest

from edge_agent.outbox import LOW_PRIORITY_CEILING, Outbox
from edge_agent.ports import Draft, OutboxFull, Priority
from sitewatch.protocol import event_adapter
from tests.agent.conftest import GATEWAY, SITE, STAMP
from tests.support.counting_source import sensor_draft


def test_seq_starts_at_one_and_survives_reopen(outbox_path: Path) -> None:
    box = Outbox(outbox_path, max_bytes=1 << 20)
    assert box.append_events([sensor_draft(i) for i in range(3)], STAMP) == [1, 2, 3]
    box.delete(r.rowid for r in box.peek(10))
    box.close()

    reopened = Outbox(outbox_path, max_bytes=1 << 20)
    assert reopened.append_events([sensor_draft(9)], STAMP) == [4]
    assert reopened.last_seq(GATEWAY) == 4
    reopened.close()


def test_records_are_full_valid_envelopes(outbox: Outbox) -> None:
    outbox.append_events([sensor_draft(1), sensor_draft(2)], STAMP)
    records = outbox.peek(10)
    assert [r.seq for r in records] == [1, 2]
    event = event_adapter.validate_python(orjson.loads(records[1].payload))
    assert (event.v, event.seq, event.site, event.gateway, event.kind) == (
        1, 2, SITE, GATEWAY, "sensor",
    )
    assert len({orjson.loads(r.payload)["id"] for r in records}) == 2


def test_invalid_draft_writes_nothing_and_uses_no_seq(outbox: Outbox) -> None:
    bad = dataclasses.replace(sensor_draft(2), fields={"metric": "Not A Metric"})
    with pytest.raises(ValueError, match="metric"):
        outbox.append_events([sensor_draft(1), bad], STAMP)
    naive = dataclasses.replace(sensor_draft(3), ts=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone"):
        outbox.append_events([naive], STAMP)
    clash = dataclasses.replace(sensor_draft(4), fields={"metric": "smoke", "seq": 7})
    with pytest.raises(ValueError, match="envelope keys"):
        outbox.append_events([clash], STAMP)
    assert outbox.depth() == 0
    assert outbox.append_events([sensor_draft(5)], STAMP) == [1]


def test_delete_removes_only_the_given_rows(outbox: Outbox) -> None:
    outbox.append_events([sensor_draft(i) for i in range(5)], STAMP)
    records = outbox.peek(10)
    assert outbox.delete([records[1].rowid, records[3].rowid]) == 2
    assert [r.seq for r in outbox.peek(10)] == [1, 3, 5]
    assert outbox.delete([records[1].rowid]) == 0  # a late duplicate ack is harmless


def test_peek_after_cursor_and_oldest_age(outbox: Outbox) -> None:
    outbox.append_events([sensor_draft(i) for i in range(4)], STAMP)
    first = outbox.peek(2)
    assert [r.seq for r in outbox.peek(10, after_rowid=first[-1].rowid)] == [3, 4]
    assert outbox.oldest_age_s(STAMP.now + 7.5) == 7.5
    outbox.delete(r.rowid for r in outbox.peek(10))
    assert outbox.oldest_age_s(STAMP.now + 7.5) == 0.0


def test_media_is_stored_once_per_hash(outbox: Outbox) -> None:
    ref = outbox.append_media(b"jpeg-bytes", "image/jpeg", "snapshot", now=STAMP.now)
    again = outbox.append_media(b"jpeg-bytes", "image/jpeg", "snapshot", now=STAMP.now)
    assert ref == again
    (record,) = outbox.peek(10)
    assert (record.channel, record.sha256, record.seq, record.payload) == (
        "media", ref.sha256, None, b"jpeg-bytes",
    )


def test_over_budget_events_are_refused_loudly_and_counted(outbox_path: Path) -> None:
    box = Outbox(outbox_path, max_bytes=2048)
    accepted = 0
    with pytest.raises(OutboxFull):
        for i in range(100):
            box.append_events([sensor_draft(i)], STAMP)
            accepted += 1
    assert 0 < accepted < 100
    assert box.depth() == accepted
    assert box.dropped() == {"events_refused": 1}
    assert box.payload_bytes <= 2048
    # Room again once delivered rows are deleted; seq continues without a gap.
    box.delete(r.rowid for r in box.peek(1000))
    assert box.append_events([sensor_draft(0)], STAMP) == [accepted + 1]
    box.close()


def test_media_is_shed_before_an_event_is_refused(outbox_path: Path) -> None:
    box = Outbox(outbox_path, max_bytes=4096)
    box.append_media(b"x" * 3000, "image/jpeg", "snapshot", now=STAMP.now)
    with pytest.raises(OutboxFull):
        box.append_media(b"y" * 3000, "image/jpeg", "snapshot", now=STAMP.now)
    box.append_events([sensor_draft(i) for i in range(8)], STAMP)
    assert [r.channel for r in box.peek(100)] == ["events"] * 8
    assert box.dropped() == {"media_refused": 1, "media_shed": 1}
    box.close()


def _low(draft: Draft) -> Draft:
    return dataclasses.replace(draft, priority=Priority.LOW)


def test_low_priority_events_are_shed_above_the_ceiling_without_a_seq_hole(
    outbox_path: Path,
) -> None:
    box = Outbox(outbox_path, max_bytes=4096)
    # Fill with LOW events until one is shed: they stop at 80 % of the budget.
    kept: list[int] = []
    for i in range(100):
        kept += box.append_events([_low(sensor_draft(i))], STAMP)
    shed = box.dropped()["low_events_shed"]
    assert shed == 100 - len(kept) > 0
    assert box.payload_bytes <= 4096 * LOW_PRIORITY_CEILING
    # Precious events still fit in the reserved fifth, and seqs run on without a hole.
    mixed = [sensor_draft(200), _low(sensor_draft(201)), sensor_draft(202)]
    seqs = box.append_events(mixed, STAMP)
    assert seqs == [len(kept) + 1, len(kept) + 2]
    assert [r.seq for r in box.peek(1000)] == list(range(1, len(kept) + 3))
    assert box.dropped()["low_events_shed"] == shed + 1
    box.close()


def test_events_shed_low_media_before_normal_media(outbox_path: Path) -> None:
    box = Outbox(outbox_path, max_bytes=8192)
    normal = box.append_media(b"n" * 3000, "image/jpeg", "snapshot", STAMP.now)
    box.append_media(b"l" * 3000, "image/jpeg", "snapshot", STAMP.now, Priority.LOW)
    # LOW media is refused above the ceiling; NORMAL media does not displace NORMAL.
    with pytest.raises(OutboxFull):
        box.append_media(b"m" * 1000, "image/jpeg", "snapshot", STAMP.now, Priority.LOW)
    box.append_events([sensor_draft(i) for i in range(12)], STAMP)
    left = [r.sha256 for r in box.peek(100) if r.channel == "media"]
    assert left == [normal.sha256]
    assert box.dropped() == {"media_refused": 1, "media_shed_low": 1}
    box.close()


def test_normal_media_displaces_low_media_only(outbox_path: Path) -> None:
    box = Outbox(outbox_path, max_bytes=4096)
    box.append_media(b"l" * 2500, "image/jpeg", "snapshot", STAMP.now, Priority.LOW)
    box.append_media(b"n" * 2500, "image/jpeg", "clip", STAMP.now)
    with pytest.raises(OutboxFull):
        box.append_media(b"o" * 2500, "image/jpeg", "clip", STAMP.now)
    assert [r.priority for r in box.peek(10)] == [Priority.NORMAL]
    assert box.dropped() == {"media_shed_low": 1, "media_refused": 1}
    box.close()
