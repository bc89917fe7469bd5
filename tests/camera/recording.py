"""Helpers of the camera tests: the real footage, and a sink that records what it is given."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

from edge_agent.outbox import Stamp, envelope_bytes
from edge_agent.ports import Draft, EventSink, OutboxFull, Priority
from sitewatch.protocol import MediaRef
from tests.support.footage import VIDEO_DIR

# The shared footage lives beside the repository; tests read it in place, never copy it.

PEDESTRIANS = "pedestrians_outdoor_480x360.avi"
CONCOURSE = "concourse_overhead_1280x720.avi"
STAMP = Stamp("park-1", "gw-1", now=1_800_000_000.0)


def footage(name: str) -> Path:
    """The path of a shared clip; fails the test (never skips) when it is missing."""
    path = VIDEO_DIR / name
    if not path.is_file():
        pytest.fail(f"test footage missing: {path} (the camera tests need /work/shared/data)")
    return path


@dataclass(frozen=True, slots=True)
class MediaRecord:
    """One emit_media call."""

    data: bytes
    ref: MediaRef
    priority: Priority


class RecordingSink(EventSink):
    """Checks each draft as the outbox would and records events and media in arrival order.

    `refuse` makes every emit (and emit_media) raise OutboxFull, as a full outbox does.
    """

    def __init__(self, *, refuse: bool = False) -> None:
        self.refuse = refuse
        self.log: list[Draft | MediaRecord] = []
        self.refusals = 0
        self._seq = itertools.count(1)

    @property
    def drafts(self) -> list[Draft]:
        """Every event accepted, in order."""
        return [d for d in self.log if isinstance(d, Draft)]

    @property
    def media(self) -> list[MediaRecord]:
        """Every media object accepted, in order."""
        return [m for m in self.log if isinstance(m, MediaRecord)]

    def emit(self, drafts: Sequence[Draft]) -> None:
        """Validate like the outbox (raises ValueError), then record."""
        for draft in drafts:
            envelope_bytes(draft, next(self._seq), STAMP)
        if self.refuse:
            self.refusals += 1
            raise OutboxFull("test outbox is full")
        self.log.extend(drafts)

    def emit_media(
        self,
        data: bytes,
        content_type: str,
        role: Literal["snapshot", "clip"],
        priority: Priority = Priority.NORMAL,
    ) -> MediaRef:
        """Record the media object and return its reference."""
        if self.refuse:
            self.refusals += 1
            raise OutboxFull("test outbox is full")
        ref = MediaRef(
            sha256=hashlib.sha256(data).hexdigest(), content_type=content_type, role=role
        )
        self.log.append(MediaRecord(data, ref, priority))
        return ref
