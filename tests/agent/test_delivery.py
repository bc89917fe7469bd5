"""The delivery pump over a fake link: window, batching, ack-only deletion, no re-reads."""

from __future__ import annotations

import orjson

from edge_agent.delivery import DeliveryPump
from edge_agent.outbox import Outbox
from sitewatch.protocol import Topics
from tests.agent.conftest import GATEWAY, SITE, STAMP
from tests.agent.fakes import FakeLink
from tests.support.counting_source import sensor_draft

EVENTS_TOPIC = f"sitewatch/v1/{SITE}/{GATEWAY}/events"


def make_pump(outbox: Outbox, link: FakeLink, **tuning: int) -> DeliveryPump:
    """A pump with small, test-sized tuning unless overridden."""
    settings = {"max_inflight": 10, "batch_threshold": 5, "batch_max": 4, **tuning}
    if settings["batch_threshold"] > settings["batch_max"]:
        settings["batch_max"] = settings["batch_threshold"]
    return DeliveryPump(outbox, link, Topics(), SITE, GATEWAY, **settings)


def seqs_of(payload: bytes) -> list[int]:
    """The seqs carried by one events payload (object or array)."""
    document = orjson.loads(payload)
    return [e["seq"] for e in (document if isinstance(document, list) else [document])]


def fill_outbox(outbox: Outbox, count: int) -> None:
    """Append `count` events in one transaction."""
    outbox.append_events([sensor_draft(i) for i in range(count)], STAMP)


def test_small_backlog_goes_out_one_event_per_message(outbox: Outbox) -> None:
    fill_outbox(outbox, 3)
    link = FakeLink()
    pump = make_pump(outbox, link, batch_threshold=5, batch_max=10)
    assert pump.pump_once() == 3
    messages = list(link.published.values())
    assert [m.topic for m in messages] == [EVENTS_TOPIC] * 3
    assert [seqs_of(m.payload) for m in messages] == [[1], [2], [3]]
    assert all(m.qos == 1 and not m.retain for m in messages)


def test_backlog_at_threshold_is_sent_as_json_array_batches(outbox: Outbox) -> None:
    fill_outbox(outbox, 23)
    stored = {r.seq: r.payload for r in outbox.peek(100)}
    link = FakeLink()
    pump = make_pump(outbox, link, batch_threshold=5, batch_max=10, max_inflight=100)
    pump.pump_once()
    payloads = [m.payload for m in link.published.values()]
    assert [seqs_of(p) for p in payloads] == [
        list(range(1, 11)), list(range(11, 21)), [21], [22], [23],
    ]
    # The batch is the stored bytes joined, not a re-serialisation.
    assert payloads[0] == b"[" + b",".join(stored[s] for s in range(1, 11)) + b"]"


def test_batches_respect_the_byte_cap(outbox: Outbox) -> None:
    fill_outbox(outbox, 40)
    size = len(outbox.peek(1)[0].payload)
    link = FakeLink()
    pump = make_pump(
        outbox, link, batch_threshold=2, batch_max=40, batch_max_bytes=size * 10 + 20
    )
    pump.pump_once()
    sizes = [len(seqs_of(m.payload)) for m in link.published.values()]
    assert sum(sizes) == 40
    assert max(sizes) <= 10
    assert all(len(m.payload) <= size * 10 + 20 for m in link.published.values())


def test_inflight_window_is_never_exceeded(outbox: Outbox) -> None:
    fill_outbox(outbox, 30)
    link = FakeLink()
    pump = make_pump(outbox, link, max_inflight=7, batch_threshold=100, batch_max=100)
    assert pump.pump_once() == 7
    assert pump.pump_once() == 0  # window full, nothing acked
    assert pump.inflight == 7
    link.ack(3)
    assert pump.pump_once() == 3
    assert pump.inflight == 7
    assert len(link.published) == 10


def test_rows_are_deleted_only_when_acked(outbox: Outbox) -> None:
    fill_outbox(outbox, 6)
    link = FakeLink()
    pump = make_pump(outbox, link, batch_threshold=100, batch_max=100)
    pump.pump_once()
    assert outbox.depth() == 6
    link.ack(2)
    pump.pump_once()
    assert [r.seq for r in outbox.peek(10)] == [3, 4, 5, 6]
    assert pump.delivered == 2
    link.ack()
    pump.pump_once()
    assert outbox.depth() == 0


def test_inflight_rows_are_not_read_again(outbox: Outbox) -> None:
    fill_outbox(outbox, 4)
    link = FakeLink()
    pump = make_pump(outbox, link, batch_threshold=100, batch_max=100)
    pump.pump_once()
    link.set_connected(False)  # paho re-sends its own in-flight messages after reconnect
    assert pump.pump_once() == 0
    link.set_connected(True)
    fill_outbox(outbox, 2)
    pump.pump_once()
    sent = [seqs_of(m.payload) for m in link.published.values()]
    assert sent == [[1], [2], [3], [4], [5], [6]]


def test_a_restarted_pump_sends_everything_left_in_order(outbox: Outbox) -> None:
    fill_outbox(outbox, 5)
    first = FakeLink()
    make_pump(outbox, first, batch_threshold=100, batch_max=100).pump_once()
    first.ack(2)
    # The acks arrive but the agent dies before settling them: rows 1..5 stay.
    second = FakeLink()
    make_pump(outbox, second, batch_threshold=100, batch_max=100).pump_once()
    assert [seqs_of(m.payload) for m in second.published.values()] == [[1], [2], [3], [4], [5]]


def test_media_goes_to_its_own_topic_between_events(outbox: Outbox) -> None:
    fill_outbox(outbox, 6)
    ref = outbox.append_media(b"\xff\xd8jpeg", "image/jpeg", "snapshot", now=STAMP.now)
    fill_outbox(outbox, 2)
    link = FakeLink()
    pump = make_pump(outbox, link, batch_threshold=5, batch_max=20)
    pump.pump_once()
    messages = list(link.published.values())
    assert messages[1].topic == f"sitewatch/v1/{SITE}/{GATEWAY}/media/{ref.sha256}"
    assert messages[1].payload == b"\xff\xd8jpeg"
    assert seqs_of(messages[0].payload) == [1, 2, 3, 4, 5, 6]
    assert seqs_of(messages[2].payload) == [7, 8]


def test_unknown_tokens_and_disconnects_do_not_lose_rows(outbox: Outbox) -> None:
    fill_outbox(outbox, 3)
    link = FakeLink(connected=False)
    pump = make_pump(outbox, link)
    assert pump.pump_once() == 0
    assert pump.settle([999]) == 0  # e.g. the ack of a status message
    link.set_connected(True)
    assert pump.pump_once() == 3
    link.ack()
    pump.pump_once()
    assert outbox.depth() == 0
