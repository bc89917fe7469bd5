"""The alarm service as a commit listener: worker, ticks, escalation, notifiers, failures."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from hub.alarms import Alarm, AlarmNotifier, AlarmQuery, AlarmService, AlarmStore, Change
from hub.ports import Committed
from hub.records import EventRecord, HealthRecord
from hub.rules import AlarmSignal, RuleEngine, StaticRuleContext, parse_rules
from sitewatch.protocol import Event
from tests.alarms.conftest import migrated
from tests.rules.factory import T0, health, scan
from tests.support.hub_runner import wait_until

RULES = [
    {"name": "fever", "type": "fever", "severity": "high", "escalate_after_s": 60},
    {"name": "gateway-offline", "type": "gateway_offline", "health_interval_s": 10,
     "missed_reports": 3},
]


class Clock:
    """The service's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class RecordingNotifier(AlarmNotifier):
    """Keeps every notification; started and closed by the service."""

    def __init__(self) -> None:
        self.changes: list[tuple[Alarm, Change]] = []
        self.started = self.closed = False

    def notify(self, alarm: Alarm, change: Change) -> None:
        """Record the change."""
        self.changes.append((alarm, change))

    def start(self) -> None:
        """Note the start."""
        self.started = True

    def close(self) -> None:
        """Note the close."""
        self.closed = True

    def of(self, change: Change) -> list[Alarm]:
        """The alarms notified with `change`."""
        return [alarm for alarm, seen in list(self.changes) if seen is change]


class BrokenNotifier(AlarmNotifier):
    """Fails every time, as a webhook client with a bug might."""

    def notify(self, alarm: Alarm, change: Change) -> None:
        """Fail."""
        raise RuntimeError("notifier exploded")


class FlakyStore(AlarmStore):
    """The real store, whose first `failures` applies fail as with the database down.

    A subclass because what is tested is the service's retry, not the outage itself
    (the ledger's outage tests cover a real PostgreSQL going down).
    """

    failures = 2

    def apply(self, signal: AlarmSignal, now: datetime, new_id: str) -> tuple[Alarm, Change]:
        """Fail the first few times, then store for real."""
        if self.failures:
            self.failures -= 1
            raise OperationalError("INSERT", {}, ConnectionRefusedError("database is down"))
        return super().apply(signal, now, new_id)


def commit(*events: Event, healths: tuple[HealthRecord, ...] = ()) -> Committed:
    """What the ingest service hands its listeners after a commit."""
    records = tuple(EventRecord(event, b"{}", event.ts) for event in events)
    return Committed(events=records, statuses=(), healths=healths, dead_letters=0)


@pytest.fixture
def run_service(tmp_path: Path) -> Iterator[Callable[..., AlarmService]]:
    """Start an alarm service on a migrated SQLite ledger; keyword arguments override."""
    url = migrated(f"sqlite:///{tmp_path / 'ledger.db'}")
    started: list[tuple[threading.Event, threading.Thread, AlarmStore]] = []

    def run(store_class: type[AlarmStore] = AlarmStore, **options: Any) -> AlarmService:
        store = store_class.open(url)
        engine = RuleEngine(parse_rules({"rules": RULES}), StaticRuleContext())
        service = AlarmService(engine, store, **{"tick_s": 0.05, **options})
        stop = threading.Event()
        thread = threading.Thread(target=service.run, args=(stop,))
        thread.start()
        started.append((stop, thread, store))
        return service

    yield run
    for stop, thread, store in started:
        stop.set()
        thread.join(10)
        store.close()


def test_a_fever_opens_one_alarm_its_repeat_folds_and_a_broken_notifier_stops_nothing(
    run_service: Callable[..., AlarmService],
) -> None:
    recorder = RecordingNotifier()
    service = run_service(notifiers=[BrokenNotifier(), recorder], clock=Clock(T0))
    wait_until(lambda: recorder.started)
    first = scan(T0, temperature_c=38.6)
    service.committed(commit(first, scan(T0, temperature_c=36.5)))
    wait_until(lambda: len(recorder.of(Change.OPENED)) == 1)
    [opened] = recorder.of(Change.OPENED)
    assert opened.rule == "fever" and opened.event_ids == (first.id,)
    assert service.counters.notify_failures >= 1
    assert service.rule_counters.events == 2 and service.rule_counters.signals == 1

    service.committed(commit(scan(T0 + timedelta(seconds=30), temperature_c=38.9)))
    wait_until(lambda: service.counters.folded == 1)
    [alarm] = service.list_alarms(AlarmQuery(state="open"))
    assert alarm.id == opened.id and alarm.count == 2
    assert recorder.of(Change.FOLDED) == []  # repeats are counted, not announced


def test_an_alarm_nobody_acknowledges_escalates_and_is_then_acknowledged_and_resolved(
    run_service: Callable[..., AlarmService],
) -> None:
    recorder, clock = RecordingNotifier(), Clock(T0)
    service = run_service(notifiers=[recorder], clock=clock, max_escalation_level=1)
    service.committed(commit(scan(T0, temperature_c=38.6)))
    wait_until(lambda: len(recorder.of(Change.OPENED)) == 1)
    clock.now = T0 + timedelta(seconds=59)
    time.sleep(0.3)  # several ticks
    assert recorder.of(Change.ESCALATED) == []
    clock.now = T0 + timedelta(seconds=61)
    wait_until(lambda: len(recorder.of(Change.ESCALATED)) == 1)
    [escalated] = recorder.of(Change.ESCALATED)
    assert (escalated.escalation_level, escalated.severity) == (1, "critical")

    acked = service.acknowledge(escalated.id, "li.wei", "on it", assignee="guard-3")
    resolved = service.resolve(escalated.id, "li.wei", "fine")
    assert recorder.of(Change.ACKNOWLEDGED) == [acked]
    assert recorder.of(Change.RESOLVED) == [resolved]
    assert service.get_alarm(escalated.id) == resolved
    assert [a.action for a in service.history(escalated.id)] == [
        "opened", "escalated", "acknowledged", "resolved"]


def test_a_silent_gateway_is_found_by_the_ticks(run_service: Callable[..., AlarmService]) -> None:
    recorder, clock = RecordingNotifier(), Clock(T0)
    service = run_service(notifiers=[recorder], clock=clock)
    service.committed(commit(healths=(health(T0),)))
    wait_until(lambda: service.counters.commits == 1)
    clock.now = T0 + timedelta(seconds=31)
    wait_until(lambda: len(recorder.of(Change.OPENED)) == 1)
    assert recorder.of(Change.OPENED)[0].detail["reason"] == "no_health"


def test_signals_wait_for_the_store_to_come_back(
    run_service: Callable[..., AlarmService],
) -> None:
    recorder = RecordingNotifier()
    service = run_service(FlakyStore, notifiers=[recorder], clock=Clock(T0))
    service.committed(commit(scan(T0, temperature_c=38.6)))
    wait_until(lambda: len(recorder.of(Change.OPENED)) == 1)
    assert service.counters.store_failures == 2


def test_committed_never_blocks_a_full_queue_drops_and_counts(tmp_path: Path) -> None:
    store = AlarmStore.open(migrated(f"sqlite:///{tmp_path / 'ledger.db'}"))
    engine = RuleEngine(parse_rules({"rules": RULES}), StaticRuleContext())
    service = AlarmService(engine, store, queue_max_commits=1)  # no worker is running
    started = time.monotonic()
    for _ in range(3):
        service.committed(commit(scan(T0, temperature_c=38.6)))
    service.committed(commit())  # nothing in it: not even queued
    assert time.monotonic() - started < 0.5
    assert service.counters.dropped_commits == 2
    store.close()
