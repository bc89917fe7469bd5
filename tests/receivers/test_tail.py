"""The log follower: appends, rotation by rename and by truncation, resuming after restart."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import pytest

from edge_agent.receivers.tail import LogFollower


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    """The followed file, in a directory of its own."""
    (tmp_path / "logs").mkdir()
    return tmp_path / "logs" / "events.log"


def append(path: Path, *lines: str, end: str = "\n") -> None:
    """Append lines as a controller would."""
    with open(path, "a", encoding="utf-8") as out:
        out.write("".join(line + end for line in lines))


def follower(
    log_path: Path,
    start_at: Literal["beginning", "end"] = "beginning",
    max_line_bytes: int = 64 * 1024,
) -> LogFollower:
    """A follower keeping its position beside the test's files."""
    state = log_path.parent.parent / "state.json"
    return LogFollower(log_path, state, start_at=start_at, max_line_bytes=max_line_bytes)


def test_appended_lines_are_read_once_and_partial_lines_wait(log_path: Path) -> None:
    append(log_path, "one", "two")
    tail = follower(log_path)
    assert tail.read_lines(10) == [b"one", b"two"]
    assert tail.read_lines(10) == []
    append(log_path, "thr", end="")
    assert tail.read_lines(10) == []  # no newline yet: the writer is mid-line
    append(log_path, "ee", "", "four\r")
    assert tail.read_lines(10) == [b"three", b"four"]  # blank lines skipped, CR stripped


def test_a_limit_leaves_the_rest_for_the_next_read(log_path: Path) -> None:
    append(log_path, *[f"line {n}" for n in range(5)])
    tail = follower(log_path)
    assert tail.read_lines(2) == [b"line 0", b"line 1"]
    assert tail.read_lines(10) == [b"line 2", b"line 3", b"line 4"]


def test_rotation_by_rename_finishes_the_old_file_first(log_path: Path) -> None:
    append(log_path, "a1")
    tail = follower(log_path)
    assert tail.read_lines(10) == [b"a1"]
    os.rename(log_path, log_path.with_suffix(".log.1"))
    append(log_path.with_suffix(".log.1"), "a2 written before the writer reopened")
    append(log_path.with_suffix(".log.1"), "a3 unterminated", end="")
    assert tail.read_lines(10) == [b"a2 written before the writer reopened"]  # no new file yet
    append(log_path, "b1", "b2")
    assert tail.read_lines(10) == [b"a3 unterminated", b"b1", b"b2"]
    assert tail.rotations == 1
    append(log_path, "b3")
    assert tail.read_lines(10) == [b"b3"]


def test_truncation_starts_the_file_over(log_path: Path) -> None:
    append(log_path, "a long first line", "another long line")
    tail = follower(log_path)
    assert len(tail.read_lines(10)) == 2
    with open(log_path, "w", encoding="utf-8") as out:  # copytruncate
        out.write("new\n")
    assert tail.read_lines(10) == [b"new"]
    assert tail.truncations == 1


def test_restart_resumes_at_the_committed_line(log_path: Path) -> None:
    append(log_path, "1", "2", "3")
    first = follower(log_path)
    assert first.read_lines(2) == [b"1", b"2"]
    first.commit()
    assert first.read_lines(10) == [b"3"]  # read, but never committed: not stored
    first.close()
    append(log_path, "4")
    again = follower(log_path)
    assert again.read_lines(10) == [b"3", b"4"]


def test_placed_lines_say_which_file_and_where_each_starts(log_path: Path) -> None:
    append(log_path, "a", "bb", "", "ccc\r")
    tail = follower(log_path)
    stat = os.stat(log_path)
    lines = tail.read_placed_lines(10)
    assert [(p.device, p.inode, p.epoch, p.offset, p.data) for p in lines] == [
        (stat.st_dev, stat.st_ino, 0, 0, b"a"),
        (stat.st_dev, stat.st_ino, 0, 2, b"bb"),
        (stat.st_dev, stat.st_ino, 0, 6, b"ccc"),  # the blank line at 5 is not handed out
    ]
    tail.commit()
    with open(log_path, "w", encoding="utf-8") as out:  # copytruncate, refilled
        out.write("a\n")
    [after] = tail.read_placed_lines(10)
    assert (after.epoch, after.offset, after.data) == (1, 0, b"a")  # not the old line 0
    tail.commit()
    tail.close()
    append(log_path, "d")
    [resumed] = follower(log_path).read_placed_lines(10)
    assert (resumed.epoch, resumed.offset) == (1, 2)  # the epoch survives a restart


def test_lines_read_again_after_a_crash_have_the_same_places(log_path: Path) -> None:
    append(log_path, "1", "2")
    first = follower(log_path)
    committed = first.read_placed_lines(1)
    first.commit()
    uncommitted = first.read_placed_lines(10)  # stored, then the agent died
    first.close()
    again = follower(log_path).read_placed_lines(10)
    assert again == uncommitted and again != committed


def test_restart_after_a_rotation_while_down_finishes_the_rotated_file(log_path: Path) -> None:
    append(log_path, "1", "2")
    first = follower(log_path)
    assert first.read_lines(1) == [b"1"]
    first.commit()
    first.close()
    rotated = log_path.with_suffix(".log.1")
    os.rename(log_path, rotated)
    append(rotated, "3")
    append(log_path, "4")
    again = follower(log_path)
    assert again.read_lines(10) == [b"2", b"3", b"4"]
    again.commit()
    again.close()
    append(log_path, "5")
    assert follower(log_path).read_lines(10) == [b"5"]


def test_a_file_truncated_while_down_is_read_from_the_start(log_path: Path) -> None:
    append(log_path, "a much longer line than what follows")
    first = follower(log_path)
    first.read_lines(10)
    first.commit()
    first.close()
    with open(log_path, "w", encoding="utf-8") as out:
        out.write("x\n")
    assert follower(log_path).read_lines(10) == [b"x"]


def test_a_reused_inode_with_other_content_is_not_mistaken_for_the_old_file(
    log_path: Path,
) -> None:
    append(log_path, "old content line 1", "old content line 2")
    first = follower(log_path)
    first.read_lines(1)
    first.commit()
    first.close()
    with open(log_path, "r+", encoding="utf-8") as out:  # same inode, other bytes
        out.write("NEW content line 1\nNEW content line 2\nNEW 3\n")
    lines = follower(log_path).read_placed_lines(10)
    assert [line.data for line in lines] == [
        b"NEW content line 1",
        b"NEW content line 2",
        b"NEW 3",
    ]
    assert {line.epoch for line in lines} == {1}  # a new start: not the old lines' places


def test_start_at_end_skips_history_but_not_what_follows(log_path: Path) -> None:
    append(log_path, "history")
    tail = follower(log_path, start_at="end")
    assert tail.read_lines(10) == []
    append(log_path, "news")
    assert tail.read_lines(10) == [b"news"]


def test_a_missing_file_is_waited_for(log_path: Path) -> None:
    tail = follower(log_path)
    assert tail.read_lines(10) == []
    append(log_path, "hello")
    assert tail.read_lines(10) == [b"hello"]


def test_over_long_lines_are_skipped_and_counted(log_path: Path) -> None:
    tail = follower(log_path, max_line_bytes=300)
    append(log_path, "x" * 400, "ok")
    assert tail.read_lines(10) == [b"ok"]
    with open(log_path, "a", encoding="utf-8") as out:
        out.write("y" * 200)
    assert tail.read_lines(10) == []
    with open(log_path, "a", encoding="utf-8") as out:
        out.write("y" * 200)  # now over the limit with no newline: dropped as it comes
    assert tail.read_lines(10) == []
    append(log_path, "yyy", "fine")
    assert tail.read_lines(10) == [b"fine"]
    assert tail.too_long == 2


def test_an_unreadable_state_file_starts_over(log_path: Path) -> None:
    append(log_path, "a")
    (log_path.parent.parent / "state.json").write_text("{not json")
    assert follower(log_path).read_lines(10) == [b"a"]


def test_a_truncated_file_refilled_past_the_position_is_noticed(log_path: Path) -> None:
    append(log_path, "first line")
    tail = follower(log_path)
    assert tail.read_lines(10) == [b"first line"]
    with open(log_path, "w", encoding="utf-8") as out:  # cut and refilled before the next look
        out.write("other line\nand more\n")
    assert tail.read_lines(10) == [b"other line", b"and more"]
    assert tail.truncations == 1
