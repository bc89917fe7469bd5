"""The live fan-out on plain values: filters, drop-oldest, wake-ups across threads."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import orjson
import pytest

from hub.alarms.lifecycle import Change, open_alarm
from hub.live import LiveBatch, LiveFilter, LiveHub, Subscription, TooManySubscribers
from hub.ports import Committed
from hub.records import Enrichment, EventRecord, StatusRecord
from sitewatch.protocol import GatewayStatus, event_adapter
from tests.alarms.signals import signal
from tests.support.envelopes import access_event, encode

RECEIVED = datetime(2026, 11, 22, 8, 0, 1, tzinfo=UTC)


def record(site: str, seq: int, **changes: object) -> EventRecord:
    """A stored event as ingest hands it to its listeners."""
    document = access_event(site, "gw-1", seq, **changes)
    enrichment = Enrichment(building="north", floor=7, gate="n-7f", enterprise="acme")
    return EventRecord(event_adapter.validate_python(document), encode(document), RECEIVED,
                       enrichment)


def commit(*records: EventRecord, statuses: tuple[StatusRecord, ...] = ()) -> Committed:
    """A commit of these records."""
    return Committed(events=records, statuses=statuses, healths=(), dead_letters=0)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop for the consumers, run only when a test drains a subscription."""
    created = asyncio.new_event_loop()
    yield created
    created.close()


def drain(loop: asyncio.AbstractEventLoop, subscription: Subscription) -> LiveBatch | None:
    """The subscription's next batch (there must be one, or the hub must have ended it)."""
    return loop.run_until_complete(asyncio.wait_for(subscription.next_batch(), 5))


def test_a_slow_subscriber_loses_its_oldest_items_and_ingest_never_waits(
    loop: asyncio.AbstractEventLoop,
) -> None:
    live = LiveHub(queue_max=3)
    slow = live.subscribe(LiveFilter(), loop)  # nobody ever reads it while ingest commits
    records = [record("park", seq) for seq in range(1, 2001)]
    started = time.perf_counter()
    for start in range(0, 2000, 100):
        live.committed(commit(*records[start:start + 100]))
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5, f"20 commits of 100 events took {elapsed:.3f}s on the ingest side"
    assert slow.dropped == live.dropped_total == 1997
    batch = drain(loop, slow)
    assert batch is not None
    assert batch.dropped == 1997  # told once, before what is left: the newest three
    assert [item.source for item in batch.items] == records[-3:]
    live.committed(commit(record("park", 2001)))
    assert (batch := drain(loop, slow)) is not None and batch.dropped == 0


def test_filters_by_type_site_and_kind(loop: asyncio.AbstractEventLoop) -> None:
    live = LiveHub()
    everything = live.subscribe(LiveFilter(), loop)
    park_alarms = live.subscribe(LiveFilter(types=frozenset({"alarm"}),
                                            sites=frozenset({"park"})), loop)
    scans = live.subscribe(LiveFilter(kinds=frozenset({"place_scan"})), loop)
    other_site = live.subscribe(LiveFilter(sites=frozenset({"elsewhere"})), loop)
    status = StatusRecord("park", "gw-1", GatewayStatus(
        state="online", agent_version="1", started_at=RECEIVED, config_hash="c0ffee"), RECEIVED)
    live.committed(commit(record("park", 1), statuses=(status,)))
    alarm = open_alarm(signal(), "01JD0000000000000000000000", RECEIVED)
    live.notify(alarm, Change.OPENED)

    def types(subscription: Subscription) -> list[str]:
        batch = drain(loop, subscription)
        assert batch is not None
        return [item.type for item in batch.items]

    assert types(everything) == ["event", "gateway", "alarm"]
    assert types(park_alarms) == ["alarm"]
    assert types(scans) == ["gateway", "alarm"]  # a kind narrows events only
    live.end_streams()
    assert drain(loop, other_site) is None  # it got nothing, and ended


def test_messages_carry_the_event_with_enrichment_and_the_alarm_with_its_change(
    loop: asyncio.AbstractEventLoop,
) -> None:
    live = LiveHub()
    subscription = live.subscribe(LiveFilter(), loop)
    event = record("park", 7)
    live.committed(commit(event))
    live.notify(open_alarm(signal(), "01JD0000000000000000000000", RECEIVED), Change.OPENED)
    batch = drain(loop, subscription)
    assert batch is not None
    first, second = (item.message().decode().split("\n") for item in batch.items)
    assert first[:2] == ["event: event", f"id: {event.event.id}"]
    data = orjson.loads(first[2].removeprefix("data: "))
    assert data["seq"] == 7 and data["received_at"] == RECEIVED.isoformat()
    assert data["enrichment"] == {"building": "north", "floor": 7, "gate": "n-7f",
                                  "enterprise": "acme", "person_type": None}
    assert second[:2] == ["event: alarm", "id: 01JD0000000000000000000000"]
    alarm = orjson.loads(second[2].removeprefix("data: "))
    assert alarm["change"] == "opened" and alarm["alarm"]["rule"] == "fever"


def test_a_waiting_stream_is_woken_from_another_thread(loop: asyncio.AbstractEventLoop) -> None:
    live = LiveHub()
    subscription = live.subscribe(LiveFilter(), loop)
    producer = threading.Timer(0.05, live.committed, args=(commit(record("park", 1)),))
    producer.start()
    started = time.perf_counter()
    batch = drain(loop, subscription)
    assert batch is not None and len(batch.items) == 1
    assert time.perf_counter() - started < 1.0
    producer.join()


def test_streams_beyond_the_limit_are_refused_and_ended_ones_counted(
    loop: asyncio.AbstractEventLoop,
) -> None:
    live = LiveHub(queue_max=1, max_subscribers=1)
    first = live.subscribe(LiveFilter(), loop)
    with pytest.raises(TooManySubscribers):
        live.subscribe(LiveFilter(), loop)
    live.committed(commit(record("park", 1), record("park", 2)))
    live.unsubscribe(first)
    assert live.subscriber_count == 0 and live.dropped_total == 1
    live.subscribe(LiveFilter(), loop)  # the place is free again
