"""The outbox on a disk that runs out: it sheds and refuses as designed, and drains after."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import pytest

from edge_agent.delivery import DeliveryPump
from edge_agent.outbox import Outbox
from edge_agent.ports import Draft, OutboxFull, Priority
from sitewatch.protocol import Topics
from tests.agent.conftest import GATEWAY, SITE, STAMP
from tests.agent.fakes import FakeLink
from tests.support.counting_source import sensor_draft


def _low(draft: Draft) -> Draft:
    return dataclasses.replace(draft, priority=Priority.LOW)


def test_a_disk_smaller_than_the_budget_sheds_low_then_refuses_keeping_its_reserve(
    outbox_path: Path,
) -> None:
    capacity, reserve = 64 * 1024, 16 * 1024
    box: Outbox | None = None

    def disk_free(_: Path) -> int:
        # A disk of `capacity` bytes that only the outbox's payloads fill.
        return capacity - (box.payload_bytes if box else 0)

    box = Outbox(outbox_path, max_bytes=1 << 30, disk_reserve_bytes=reserve, disk_free=disk_free)
    kept: list[int] = []
    with pytest.raises(OutboxFull):
        for i in range(10_000):
            kept += box.append_events([_low(sensor_draft(2 * i)), sensor_draft(2 * i + 1)], STAMP)
    dropped = box.dropped()
    assert dropped["low_events_shed"] > 0
    # The disk, not max_bytes, refused it: health says so.
    assert dropped["events_refused"] == dropped["disk_full"] == 1
    assert box.payload_bytes <= capacity - reserve
    # Every kept event has its seq, with no hole where LOW ones were shed.
    assert [r.seq for r in box.peek(100_000)] == kept == list(range(1, len(kept) + 1))
    # Delivered rows free the disk again: the seq goes on from where it stopped.
    box.delete(r.rowid for r in box.peek(100_000))
    assert box.append_events([sensor_draft(0)], STAMP) == [len(kept) + 1]
    box.close()


def test_sqlite_full_is_refused_as_outbox_full_counted_and_uses_no_seq(
    outbox_path: Path,
) -> None:
    box = Outbox(outbox_path, max_bytes=1 << 30, disk_reserve_bytes=0)
    box.append_events([sensor_draft(i) for i in range(10)], STAMP)
    pages = box._db.execute("PRAGMA page_count").fetchone()[0]
    # SQLite's own cap on the file stands in for a full disk: writes get SQLITE_FULL.
    box._db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(OutboxFull, match="disk full"):
        box.append_events([sensor_draft(i) for i in range(500)], STAMP)
    with pytest.raises(OutboxFull, match="disk full"):
        box.append_media(b"j" * 50_000, "image/jpeg", "snapshot", STAMP.now)
    assert box.dropped() == {"events_refused": 500, "media_refused": 1, "disk_full": 501}
    assert box.depth() == 10 and box.last_seq(GATEWAY) == 10
    bytes_kept = box.payload_bytes
    assert bytes_kept == sum(len(r.payload) for r in box.peek(100))

    box._db.execute("PRAGMA max_page_count = 1073741823")  # room again
    assert box.append_events([sensor_draft(99)], STAMP) == [11]
    assert [r.seq for r in box.peek(100)] == list(range(1, 12))
    box.close()


def test_media_shed_for_an_event_that_is_refused_anyway_stays_and_is_not_counted(
    outbox_path: Path,
) -> None:
    box = Outbox(outbox_path, max_bytes=4096)
    box.append_media(b"m" * 3000, "image/jpeg", "snapshot", STAMP.now)
    with pytest.raises(OutboxFull):
        box.append_events([sensor_draft(i) for i in range(40)], STAMP)  # > 4096 bytes
    assert box.dropped() == {"events_refused": 40}
    assert [r.channel for r in box.peek(10)] == ["media"]
    assert box.payload_bytes == 3000
    box.close()


class DiskFullOnDelete(Outbox):
    """The real outbox, whose deletes fail with SQLite's "disk full" while `full` is set."""

    full = False

    def delete(self, rowids: Iterable[int]) -> int:
        """SQLITE_FULL while full, else the real delete."""
        if self.full:
            raise sqlite3.OperationalError("database or disk is full")
        return super().delete(rowids)


def test_rows_acked_while_the_disk_refuses_deletes_are_deleted_later(outbox_path: Path) -> None:
    outbox = DiskFullOnDelete(outbox_path, max_bytes=1 << 20)
    outbox.append_events([sensor_draft(i) for i in range(6)], STAMP)
    link = FakeLink()
    pump = DeliveryPump(outbox, link, Topics(), SITE, GATEWAY, batch_threshold=100)
    pump.pump_once()
    link.ack(4)
    outbox.full = True
    with pytest.raises(sqlite3.OperationalError, match="full"):
        pump.pump_once()
    assert outbox.depth() == 6
    outbox.full = False  # space again
    link.ack()
    pump.pump_once()
    assert outbox.depth() == 0
    assert pump.delivered == 6
    assert len(link.published) == 6  # nothing was sent twice
    outbox.close()
