"""USB/serial QR scanners writing one scan per line → `place_scan` events (`scanner_lines`).

Each line (ended by CR, LF or both) is one scanned payload:

- a JSON object: the identifier is the first of `id_keys` present, the health colour the
  first of `health_keys` (other keys are ignored: a QR code holds what its issuer wants);
- a URL: the same keys looked up in its query string; without an id parameter the whole
  URL is the identifier (an opaque health-code token);
- anything else: the text itself is the identifier, health unknown.

Health spellings are those of `place_scan` (绿/黄/红, 0/1/2…). The verdict is deny when the
colour is in `deny_health`. The device is opened raw (no echo back to the scanner, no line
editing), at `baud` if set, and reopened with backoff when it goes away (USB unplug).
`path: "-"` reads standard input and ends at its end.
"""

from __future__ import annotations

import logging
import os
import re
import select
import sys
import threading
from collections import Counter
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, urlsplit

from pydantic import AfterValidator, Field

from edge_agent.ports import Draft, EventSink, OutboxFull, Source
from edge_agent.receivers.intake import utc_now
from edge_agent.receivers.place_scan import HEALTH_SYNONYMS, derive_verdict
from edge_agent.receivers.records import (
    InputModel,
    MalformedInput,
    Problem,
    RecordError,
    has_identifier,
    parse_json,
    synonyms,
    validate_record,
)
from edge_agent.receivers.serial_device import baud_constant, open_device
from edge_agent.receivers.settings import (
    Health,
    ScannerLinesSettings,
)
from edge_agent.settings import SourceContext, SourceEntry, source_settings
from sitewatch.protocol.pseudonym import pseudonymise

log = logging.getLogger(__name__)

_POLL_S = 0.2  # how often a blocked read looks at `stop`
_ENDS = re.compile(rb"[\r\n]")


class ScannedCode(InputModel):
    """What a scanned payload yields: an identifier (in clear) and maybe a health colour."""

    identifier: Annotated[str, Field(min_length=1, max_length=4096), AfterValidator(has_identifier)]
    health: Annotated[Health | None, synonyms(HEALTH_SYNONYMS)] = None


def read_payload(text: str, id_keys: list[str], health_keys: list[str]) -> dict[str, Any]:
    """The identifier and health of a payload (JSON, URL or plain text), still unvalidated."""
    if text.startswith("{"):
        try:
            document = parse_json(text.encode("utf-8"))
        except MalformedInput as exc:
            raise RecordError([Problem("(scan)", str(exc))]) from None
        if not isinstance(document, dict):
            raise RecordError([Problem("(scan)", "must be a JSON object")])
        fields = document
    elif "://" in text:
        fields = {key: values[0] for key, values in parse_qs(urlsplit(text).query).items()}
        if not any(key in fields for key in id_keys):
            fields = {**fields, id_keys[0]: text}
    else:
        fields = {id_keys[0]: text}
    identifier = next((fields[k] for k in id_keys if fields.get(k) not in (None, "")), None)
    if identifier is None:
        raise RecordError([Problem("identifier", f"none of {', '.join(id_keys)} is present")])
    health = next((fields[k] for k in health_keys if k in fields), None)
    if isinstance(identifier, int) and not isinstance(identifier, bool):
        identifier = str(identifier)
    return {"identifier": identifier, "health": health}


class ScannerLinesSource(Source):
    """Reads scans line by line from a tty (or stdin) and emits them as `place_scan` events."""

    def __init__(
        self,
        settings: ScannerLinesSettings,
        site_key: bytes,
        *,
        name: str = "scanner_lines",
        stdin_fd: int | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        self._site_key = site_key
        self._stdin_fd = stdin_fd  # tests hand in a pipe; otherwise the process's stdin
        self._speed = baud_constant(settings.baud) if settings.baud else None
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    @classmethod
    def from_settings(
        cls, cfg: ScannerLinesSettings | SourceEntry, ctx: SourceContext
    ) -> ScannerLinesSource:
        """Build the source from its settings entry (the bootstrap's factory call)."""
        return cls(source_settings(ScannerLinesSettings, cfg), ctx.site_key)

    def run(self, sink: EventSink, stop: threading.Event) -> None:
        """Read scans until `stop` is set (or stdin ends), reopening a lost device."""
        settings = self.settings
        delay = settings.reopen_min_s
        warned = False
        while not stop.is_set():
            try:
                fd, owned = self._open()
            except OSError as exc:
                self._count("open_failures")
                if not warned:  # once per outage: a scanner left unplugged must not flood logs
                    log.warning("%s: cannot open %s (%s); retrying", self.name, settings.path, exc)
                    warned = True
                if stop.wait(delay):
                    return
                delay = min(delay * 2, settings.reopen_max_s)
                continue
            warned = False
            try:
                ending, got_data = self._read(fd, sink, stop)
            finally:
                if owned:
                    os.close(fd)
            if ending == "stop" or (ending == "eof" and not owned):
                return
            self._count("reopens")
            log.warning("%s: %s went away; reopening", self.name, settings.path)
            delay = settings.reopen_min_s if got_data else min(delay * 2, settings.reopen_max_s)
            if stop.wait(delay):
                return

    def counters(self) -> dict[str, int]:
        """Lines read, scans accepted, bad and over-long lines, refusals, reopens."""
        with self._lock:
            return dict(sorted(self._counts.items()))

    def parse_line(self, line: bytes, now: datetime) -> Draft:
        """One scanned line as a `place_scan` draft; RecordError when it holds no identifier."""
        try:
            text = line.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise RecordError([Problem("(scan)", "is not UTF-8")]) from None
        settings = self.settings
        fields = read_payload(text, settings.id_keys, settings.health_keys)
        code = validate_record(ScannedCode, fields)
        health: Health = code.health or "unknown"
        return Draft(
            kind="place_scan",
            device=settings.device,
            ts=now,
            fields={
                "subject": pseudonymise(self._site_key, code.identifier),
                "method": settings.method,
                "health": health,
                "temperature_c": None,
                "verdict": derive_verdict(health, settings.deny_health),
                "visitor": settings.visitor,
            },
        )

    def _open(self) -> tuple[int, bool]:
        """The descriptor to read, and whether it is ours to close."""
        if self.settings.path == "-":
            return (self._stdin_fd if self._stdin_fd is not None else sys.stdin.fileno()), False
        return open_device(self.settings.path, self._speed), True

    def _read(
        self, fd: int, sink: EventSink, stop: threading.Event
    ) -> tuple[Literal["stop", "eof", "lost"], bool]:
        """Read and emit scans until stop, end of input or loss; also whether data came."""
        buffer, discarding, got_data = b"", False, False
        poller = select.poll()  # not select(): it fails on descriptors above 1023
        poller.register(fd, select.POLLIN)
        while not stop.is_set():
            try:
                chunk = os.read(fd, 4096) if poller.poll(_POLL_S * 1000) else None
            except BlockingIOError:
                continue
            except OSError:  # EIO/ENODEV: the device was unplugged
                return "lost", got_data
            if chunk is None:
                continue
            if not chunk:
                if buffer and not discarding:  # stdin's last line may lack its newline
                    self._handle([buffer], sink, stop)
                return "eof", got_data
            got_data = True
            *lines, buffer = _ENDS.split(buffer + chunk)
            if discarding and lines:
                lines, discarding = lines[1:], False  # the rest of the over-long line
            if len(buffer) > self.settings.max_line_bytes:
                if not discarding:
                    self._count("too_long")
                    log.warning("%s: a scan over %d bytes skipped", self.name, len(buffer))
                buffer, discarding = b"", True
            if not self._handle(lines, sink, stop):
                return "stop", got_data
        return "stop", got_data

    def _handle(self, lines: list[bytes], sink: EventSink, stop: threading.Event) -> bool:
        """Emit the scans among `lines`; False if stopped while the outbox was full."""
        now = utc_now()
        drafts: list[Draft] = []
        for line in lines:
            if not line.strip():
                continue
            self._count("lines")
            if len(line) > self.settings.max_line_bytes:
                self._count("too_long")
                continue
            try:
                drafts.append(self.parse_line(line, now))
            except RecordError as exc:
                self._count("invalid_lines")
                log.warning("%s: a scan skipped: %s", self.name, exc)
        while drafts:
            try:
                sink.emit(drafts)
            except OutboxFull:
                self._count("refused", len(drafts))
                if stop.wait(1.0):
                    return False
                continue
            self._count("accepted", len(drafts))
            break
        return True

    def _count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self._counts[key] += n
