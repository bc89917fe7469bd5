"""The spool: batches kept on disk in order, across reopening, within its size."""

from __future__ import annotations

import os
from pathlib import Path

from hub.timeseries import Spool

MiB = 1024 * 1024


def test_batches_come_back_oldest_first_and_leave_when_removed(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.db", MiB)
    spool.push(b"a v=1 1\na v=2 2", 2)
    spool.push(b"b v=1 3", 1)
    first = spool.oldest()
    assert first is not None
    assert (first.body, first.points) == (b"a v=1 1\na v=2 2", 2)
    assert (spool.depth, spool.points) == (2, 3)
    spool.remove(first)
    second = spool.oldest()
    assert second is not None
    assert second.body == b"b v=1 3"
    spool.remove(second)
    assert spool.oldest() is None
    assert (spool.depth, spool.points, spool.size_bytes) == (0, 0, 0)


def test_what_was_spooled_is_there_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "spool.db"
    spool = Spool(path, MiB)
    for n in range(5):
        spool.push(f"m v={n} {n}".encode(), 1)
    spool.close()
    reopened = Spool(path, MiB)
    assert (reopened.depth, reopened.points) == (5, 5)
    batch = reopened.oldest()
    assert batch is not None
    assert batch.body == b"m v=0 0"


def test_a_full_spool_drops_its_oldest_batches_and_says_how_many_points(
    tmp_path: Path,
) -> None:
    spool = Spool(tmp_path / "spool.db", MiB)
    # Random bytes do not compress: each batch takes its full 300 KiB on disk.
    batches = [os.urandom(300 * 1024) for _ in range(4)]
    dropped = [spool.push(body, points=10 + n) for n, body in enumerate(batches)]
    assert dropped == [0, 0, 0, 10]  # the fourth pushed out the first
    assert spool.depth == 3
    assert spool.size_bytes <= MiB
    oldest = spool.oldest()
    assert oldest is not None
    assert oldest.body == batches[1]
    assert spool.push(os.urandom(2 * MiB), points=7) == 7  # larger than the whole spool
    assert spool.depth == 3
