"""The QR scanner line reader: payload forms, a pipe as stdin, a pseudo-terminal as the device."""

from __future__ import annotations

import contextlib
import logging
import os
import pty
import termios
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from edge_agent.receivers.lines import ScannerLinesSource
from edge_agent.receivers.records import RecordError
from edge_agent.receivers.settings import ScannerLinesSettings
from edge_agent.settings import SourceContext, SourceSettings
from sitewatch.protocol import pseudonymise
from tests.receivers.support import SITE_KEY, RecordingSink, eventually, running

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def scanner(path: str = "-", stdin_fd: int | None = None, **changes: Any) -> ScannerLinesSource:
    """A scanner source that reopens quickly."""
    settings = ScannerLinesSettings(path=path, reopen_min_s=0.02, reopen_max_s=0.1, **changes)
    return ScannerLinesSource(settings, SITE_KEY, stdin_fd=stdin_fd)


@pytest.mark.parametrize(
    ("payload", "identifier", "health"),
    [
        ("110101199003074518", "110101199003074518", "unknown"),
        ('{"id": "A-1", "health": "红", "issuer": "x"}', "A-1", "red"),
        ('{"id_number": 12345678, "color": 0}', "12345678", "green"),
        ("https://hc.example.cn/v?id=X9&color=yellow", "X9", "yellow"),
        ("https://hc.example.cn/v?token=abc", "https://hc.example.cn/v?token=abc", "unknown"),
    ],
)
def test_payload_forms(payload: str, identifier: str, health: str) -> None:
    draft = scanner().parse_line(payload.encode(), NOW)
    assert draft.fields["subject"] == pseudonymise(SITE_KEY, identifier)
    assert draft.fields["health"] == health
    assert draft.fields["verdict"] == ("deny" if health in ("red", "yellow") else "pass")
    assert (draft.kind, draft.device, draft.fields["method"]) == (
        "place_scan",
        "qr-scanner",
        "health_qr",
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ('{"health": "green"}', "identifier"),
        ('{"id": "A-1", "health": "purple"}', "health"),
        ('{"id": ["A-1"]}', "identifier"),
        ("{not json", "(scan)"),
        ('{"id": "", "code": null}', "identifier"),
        (" -- ", "identifier"),
    ],
)
def test_payloads_without_a_usable_identifier_are_refused(payload: str, field: str) -> None:
    with pytest.raises(RecordError) as refused:
        scanner().parse_line(payload.encode(), NOW)
    assert field in [p.field for p in refused.value.problems]


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    """A pipe standing in for stdin: (read end, write end)."""
    read_end, write_end = os.pipe()
    yield read_end, write_end
    for fd in (read_end, write_end):
        with contextlib.suppress(OSError):  # the test may have closed it already
            os.close(fd)


def test_stdin_lines_until_its_end(pipe: tuple[int, int], caplog: pytest.LogCaptureFixture) -> None:
    read_end, write_end = pipe
    sink = RecordingSink()
    source = scanner(stdin_fd=read_end, method="id_card", visitor=True, max_line_bytes=64)
    with caplog.at_level(logging.DEBUG), running(source, sink) as thread:
        os.write(write_end, b'110101199003074518\r\n{"id": "A-1", "health": "2"}\r')
        assert eventually(lambda: len(sink.drafts) == 2)
        os.write(write_end, b'{"health": "green"}\n' + b"Z" * 100 + b"\n\n")
        os.write(write_end, b"LAST-NO-NEWLINE")
        os.close(write_end)
        thread.join(3)
        assert not thread.is_alive()  # stdin ended: so did the source
    events = sink.events()
    assert [e["subject"] for e in events] == [
        pseudonymise(SITE_KEY, s) for s in ("110101199003074518", "A-1", "LAST-NO-NEWLINE")
    ]
    assert [(e["method"], e["visitor"], e["verdict"]) for e in events] == [
        ("id_card", True, "pass"),
        ("id_card", True, "deny"),
        ("id_card", True, "pass"),
    ]
    assert source.counters() == {
        "accepted": 3, "invalid_lines": 1, "lines": 5, "too_long": 1,
    }  # fmt: skip
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "identifier" in logged and "110101199003074518" not in logged


def test_a_pseudo_terminal_is_read_raw_and_reopened_after_unplugging(tmp_path: Path) -> None:
    by_id = tmp_path / "usb-scanner"  # like /dev/serial/by-id/…: survives replugging
    master, slave = pty.openpty()
    by_id.symlink_to(os.ttyname(slave))
    sink = RecordingSink()
    source = scanner(str(by_id), baud=9600)
    with running(source, sink):
        # Raw mode and the line speed are two tcsetattr calls: wait for the second.
        assert eventually(lambda: termios.tcgetattr(slave)[4] == termios.B9600)
        attributes = termios.tcgetattr(slave)
        assert not attributes[3] & termios.ECHO
        assert attributes[4] == attributes[5] == termios.B9600
        assert not attributes[3] & termios.ICANON
        os.write(master, b"CODE-1\r")
        assert eventually(lambda: len(sink.drafts) == 1)

        os.close(master)  # unplugged
        os.close(slave)
        by_id.unlink()
        assert eventually(lambda: source.counters().get("reopens", 0) >= 1)
        assert eventually(lambda: source.counters().get("open_failures", 0) >= 1)

        master, slave = pty.openpty()  # plugged in again, as another pts
        by_id.symlink_to(os.ttyname(slave))
        assert eventually(lambda: not termios.tcgetattr(slave)[3] & termios.ECHO)
        os.write(master, b"CODE-2\n")
        assert eventually(lambda: len(sink.drafts) == 2)
    os.close(master)
    os.close(slave)
    assert [e["subject"] for e in sink.events()] == [
        pseudonymise(SITE_KEY, "CODE-1"),
        pseudonymise(SITE_KEY, "CODE-2"),
    ]


def test_built_from_a_generic_entry_and_a_bad_baud_rate_is_refused() -> None:
    ctx = SourceContext("park-1", "gw-1", SITE_KEY)
    built = ScannerLinesSource.from_settings(
        SourceSettings(type="scanner_lines", path="/dev/ttyUSB0", device="desk-1"), ctx
    )
    assert (built.settings.path, built.settings.device) == ("/dev/ttyUSB0", "desk-1")
    with pytest.raises(ValueError, match="baud"):
        ScannerLinesSource.from_settings(SourceSettings(type="scanner_lines", baud=12345), ctx)
