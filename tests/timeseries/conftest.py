"""Fixtures of the time-series tests: a VictoriaMetrics of the test's own, and events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.ports import Committed
from hub.records import EventRecord
from sitewatch.protocol import Event, event_adapter
from tests.support.servers import VictoriaMetricsServer

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SUBJECT = "a" * 64


@pytest.fixture
def victoria_metrics(tmp_path: Path) -> Iterator[VictoriaMetricsServer]:
    """A VictoriaMetrics for one test; the test may stop, kill and start it again."""
    server = VictoriaMetricsServer(tmp_path / "victoria-metrics").start()
    yield server
    server.kill()


def envelope(kind: str, n: int = 0, site: str = "park-1", **changes: Any) -> dict[str, Any]:
    """A valid envelope of `kind`, the n-th of its gateway (ts one millisecond apart)."""
    doc: dict[str, Any] = {
        "v": 1, "id": f"00000000-0000-4000-8000-{n:012d}", "seq": n + 1,
        "ts": (T0 + timedelta(milliseconds=n)).isoformat(), "site": site, "gateway": "gw-1",
        "device": "gate-1", "kind": kind,
    }
    by_kind: dict[str, dict[str, Any]] = {
        "access": {"subject": SUBJECT, "credential": {"type": "card"}, "direction": "in",
                   "result": "granted"},
        "place_scan": {"subject": SUBJECT, "method": "health_qr", "health": "green",
                       "temperature_c": 36.6, "verdict": "pass"},
        "camera": {"type": "line_crossing", "in": 2, "out": 1, "zone": "lobby"},
        "vehicle": {"plate": "沪A12345", "direction": "in", "result": "granted"},
        "sensor": {"metric": "smoke", "value": 0.4, "alarm": False},
    }
    doc |= by_kind[kind]
    doc.update(changes)
    return doc


def event(kind: str, n: int = 0, **changes: Any) -> Event:
    """A validated event of `kind` (see `envelope`)."""
    return event_adapter.validate_python(envelope(kind, n, **changes))


def commit(*events: Event) -> Committed:
    """What one ledger commit of these new events tells its listeners."""
    records = tuple(EventRecord(e, b"{}", T0) for e in events)
    return Committed(events=records, statuses=(), healths=(), dead_letters=0)
