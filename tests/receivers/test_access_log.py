"""The access-log source: lines become events, bad lines are counted, restarts lose nothing."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import orjson
import pytest

from edge_agent.receivers.access_log import AccessLogSource, default_state_path
from edge_agent.receivers.settings import AccessLogSettings
from edge_agent.settings import SourceContext, SourceSettings
from sitewatch.protocol import pseudonymise
from tests.receivers.support import SITE_KEY, RecordingSink, eventually, running


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    """The controller's log file."""
    return tmp_path / "controller.log"


def source(log_path: Path, **changes: Any) -> AccessLogSource:
    """A fast-polling source for `log_path`, its position kept in the test's directory."""
    settings = AccessLogSettings(
        path=log_path, state_path=log_path.with_suffix(".state"), poll_s=0.02, **changes
    )
    return AccessLogSource(settings, SITE_KEY)


def card_line(card: int, result: str = "granted") -> str:
    """A `key=value` line for card number `card`."""
    return f"2026-11-22T08:01:02+08:00 door=A-1 card={card} dir=in result={result}\n"


def append(path: Path, *lines: str) -> None:
    """Append lines as the controller does."""
    with open(path, "a", encoding="utf-8") as out:
        out.write("".join(lines))


def refs(sink: RecordingSink) -> list[str]:
    """The credential refs of the recorded events, in order."""
    return [e["credential"]["ref"] for e in sink.events()]


def ref(card: int) -> str:
    """The pseudonym of card number `card`."""
    return pseudonymise(SITE_KEY, str(card))


def test_lines_in_both_formats_become_events_as_they_are_appended(log_path: Path) -> None:
    json_line = {"door": "B-2", "card_number": "777", "result": "door_held_open"}
    append(log_path, card_line(1), orjson.dumps(json_line).decode() + "\n")
    sink = RecordingSink()
    with running(source(log_path), sink):
        assert eventually(lambda: len(sink.drafts) == 2)
        append(log_path, card_line(2, "denied"))
        assert eventually(lambda: len(sink.drafts) == 3)
    events = sink.events()
    assert [(e["device"], e["result"]) for e in events] == [
        ("A-1", "granted"),
        ("B-2", "held_open"),
        ("A-1", "denied"),
    ]
    assert refs(sink) == [ref(1), pseudonymise(SITE_KEY, "777"), ref(2)]
    assert events[0]["ts"] == "2026-11-22T08:01:02+08:00"


def test_bad_lines_are_counted_and_logged_without_their_content(
    log_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    append(
        log_path,
        card_line(1),
        "garbage 99887766 here\n",
        '{"door": "A-1", "card_number": "99887766", "result": "exploded"}\n',
        "{99887766\n",
        "door=A-1 card=99887766 result=granted when=now\n",
        card_line(2),
    )
    log_path.open("ab").write(b"door=A-1 card=\xff\xfe result=granted\n")
    sink = RecordingSink()
    tail = source(log_path, device="fallback")
    with caplog.at_level(logging.DEBUG), running(tail, sink):
        assert eventually(lambda: tail.counters().get("invalid_lines") == 5)
        assert eventually(lambda: len(sink.drafts) == 2)
    assert refs(sink) == [ref(1), ref(2)]
    counts = tail.counters()
    assert (counts["lines"], counts["accepted"], counts["invalid_lines"]) == (7, 2, 5)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 5
    assert not any("99887766" in w for w in warnings)
    assert any("result" in w for w in warnings) and any("when" in w for w in warnings)


def test_restart_resumes_without_repeats_or_losses(log_path: Path) -> None:
    append(log_path, card_line(1), card_line(2))
    sink = RecordingSink()
    with running(source(log_path), sink):
        assert eventually(lambda: len(sink.drafts) == 2)
    append(log_path, card_line(3))  # written while the agent is down
    with running(source(log_path), sink):
        assert eventually(lambda: len(sink.drafts) == 3)
        append(log_path, card_line(4))
        assert eventually(lambda: len(sink.drafts) == 4)
    os.rename(log_path, log_path.with_suffix(".log.1"))  # rotated while down
    append(log_path.with_suffix(".log.1"), card_line(5))
    append(log_path, card_line(6))
    with running(source(log_path), sink):
        assert eventually(lambda: len(sink.drafts) == 6)
        append(log_path, card_line(7))
        assert eventually(lambda: len(sink.drafts) == 7)
    assert refs(sink) == [ref(n) for n in range(1, 8)]


def ids(sink: RecordingSink) -> list[str]:
    """The event ids of the recorded events, in order."""
    return [e["id"] for e in sink.events()]


def test_lines_read_again_after_a_crash_keep_their_event_ids(log_path: Path) -> None:
    # The same line twice, at two places: two events.
    append(log_path, card_line(1), card_line(1), card_line(2))
    first = RecordingSink()
    with running(source(log_path), first):
        assert eventually(lambda: len(first.drafts) == 3)
    assert len(set(ids(first))) == 3
    # The agent died after storing the events and before saving its position: the next
    # start reads the lines again, and their events must be the same events.
    log_path.with_suffix(".state").unlink()
    again = RecordingSink()
    with running(source(log_path), again):
        assert eventually(lambda: len(again.drafts) == 3)
    assert ids(again) == ids(first)
    # Another site's key, or the same bytes in another file: other events.
    other_site = RecordingSink()
    other = AccessLogSource(
        AccessLogSettings(path=log_path, state_path=log_path.with_suffix(".other"), poll_s=0.02),
        b"another-site-key-0123456789abcdef",
    )
    with running(other, other_site):
        assert eventually(lambda: len(other_site.drafts) == 3)
    assert not set(ids(other_site)) & set(ids(first))
    copy = log_path.with_name("copy.log")
    copy.write_bytes(log_path.read_bytes())
    copied = RecordingSink()
    with running(source(copy), copied):
        assert eventually(lambda: len(copied.drafts) == 3)
    assert not set(ids(copied)) & set(ids(first))


def test_rotation_and_truncation_while_running(log_path: Path) -> None:
    append(log_path, card_line(1))
    sink = RecordingSink()
    tail = source(log_path)
    with running(tail, sink):
        assert eventually(lambda: len(sink.drafts) == 1)
        os.rename(log_path, log_path.with_suffix(".log.1"))
        append(log_path, card_line(2))
        assert eventually(lambda: len(sink.drafts) == 2)
        with open(log_path, "w", encoding="utf-8") as out:  # copytruncate
            out.write(card_line(3))
        assert eventually(lambda: len(sink.drafts) == 3)
    assert refs(sink) == [ref(1), ref(2), ref(3)]
    assert (tail.counters()["rotations"], tail.counters()["truncations"]) == (1, 1)


def test_a_full_outbox_holds_the_lines_in_the_file(log_path: Path) -> None:
    append(log_path, card_line(1))
    sink = RecordingSink()
    sink.full = True
    tail = source(log_path)
    with running(tail, sink):
        assert eventually(lambda: tail.counters().get("refused", 0) >= 1)
    assert sink.drafts == []  # stopped while refused: the position was not committed
    sink.full = False
    with running(source(log_path), sink):
        assert eventually(lambda: len(sink.drafts) == 1)
    assert refs(sink) == [ref(1)]


def test_settings_from_a_generic_entry_and_the_default_state_path(log_path: Path) -> None:
    ctx = SourceContext("park-1", "gw-1", SITE_KEY)
    entry = SourceSettings(type="access_log", path=str(log_path), format="kv")
    built = AccessLogSource.from_settings(entry, ctx)
    assert built.settings.format == "kv"
    assert built.state_path == default_state_path(log_path)
    assert default_state_path(log_path) != default_state_path(log_path.with_name("other.log"))
