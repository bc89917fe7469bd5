"""Fuzzing the hub's ingest: routing never raises, and the ledger keeps every message."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from hub.ingest import IngestLimits, MediaUpload, route_message
from hub.ledger import Ledger
from hub.ports import ReceivedMessage
from hub.records import IngestBatch, MediaRecord
from sitewatch.protocol import Topics
from tests.fuzz.payloads import (
    GATEWAY,
    SITE,
    edge_envelopes,
    expected_items,
    fuzzing,
    garbage_payloads,
    json_values,
    mutants,
    to_json,
    valid_envelope,
    valid_envelopes,
)
from tests.support.envelopes import access_event

TOPICS = Topics()
# Small limits, so generated payloads also cross them.
LIMITS = IngestLimits(max_payload_bytes=4096, max_media_bytes=2048)
RECEIVED = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
PREFIX = f"sitewatch/v1/{SITE}/{GATEWAY}"

_STATUS = st.fixed_dictionaries({
    "state": st.sampled_from(["online", "offline", "asleep"]),
    "agent_version": st.sampled_from(["0.1.0", "x" * 65]),
    "started_at": st.sampled_from(["2026-11-22T00:00:00Z", "9999-12-31T23:59:59-01:00",
                                   "2026-11-22T00:00:00"]),
    "config_hash": st.text(max_size=130),
})
_HEALTH = st.fixed_dictionaries(
    {"ts": st.sampled_from(["2026-11-22T00:00:00+08:00", "0001-01-01T00:00:00+01:00"]),
     "outbox_depth": st.integers(-1, 2**64), "oldest_pending_age_s": st.floats(-1, 1e300),
     "cpu_percent": st.floats(0, 1e6), "memory_rss_bytes": st.integers(0, 2**64)},
    optional={"dropped": json_values, "sources": json_values, "cameras": json_values},
)
_TOPIC_NAMES = st.sampled_from([
    f"{PREFIX}/events", f"{PREFIX}/events", f"{PREFIX}/events", f"{PREFIX}/status",
    f"{PREFIX}/health", f"sitewatch/v1/{SITE}/gw-2/events", f"{PREFIX}/events/extra",
    f"{PREFIX}/media/" + "0" * 64, f"{PREFIX}/media/NOTAHASH", "sitewatch/v1/../gw/events",
    "other/v1/park/gw-1/events", "sitewatch/v1/park", "sitewatch/v1/+/#/events", "",
]) | st.text(max_size=60)
_PAYLOADS = st.one_of(
    valid_envelopes.map(lambda d: to_json(d, ascii_only=True)),
    edge_envelopes().map(lambda d: to_json(d, ascii_only=True)),
    mutants().map(lambda m: to_json(m.doc, ascii_only=False)),
    st.lists(valid_envelope("sensor") | mutants().map(lambda m: m.doc), min_size=1, max_size=6)
    .map(lambda docs: to_json(docs, ascii_only=True)),
    _STATUS.map(lambda d: to_json(d, ascii_only=True)),
    _HEALTH.map(lambda d: to_json(d, ascii_only=True)),
    garbage_payloads,
)


@st.composite
def messages(draw: st.DrawFn) -> ReceivedMessage:
    """A message on a topic of the protocol (or not), with a payload good or bad for it."""
    topic = draw(_TOPIC_NAMES)
    payload = draw(_PAYLOADS)
    if topic.endswith("/media/" + "0" * 64) and draw(st.booleans()):
        topic = f"{PREFIX}/media/{hashlib.sha256(payload).hexdigest()}"  # hash matches bytes
    return ReceivedMessage(topic, payload, qos=1, retain=False, token=0)


@dataclass(frozen=True)
class Routed:
    """What routing one message added to the batch."""

    events: int
    dead_letters: int
    statuses: int
    healths: int
    upload: MediaUpload | None

    @property
    def total(self) -> int:
        """Everything the message became."""
        return (self.events + self.dead_letters + self.statuses + self.healths
                + (self.upload is not None))


def route(message: ReceivedMessage, batch: IngestBatch) -> Routed:
    """Route one message into `batch`; what it added."""
    before = (len(batch.events), len(batch.dead_letters), len(batch.statuses), len(batch.healths))
    upload = route_message(message, TOPICS, LIMITS, RECEIVED, batch)
    return Routed(len(batch.events) - before[0], len(batch.dead_letters) - before[1],
                  len(batch.statuses) - before[2], len(batch.healths) - before[3], upload)


def expected_outcomes(message: ReceivedMessage) -> int:
    """How many records a message must become: one per batch item on an events topic."""
    if message.topic == f"{PREFIX}/status" and not message.payload:
        return 0  # an empty retained message clears the status
    if message.topic in (f"{PREFIX}/events", f"sitewatch/v1/{SITE}/gw-2/events"):
        return expected_items(message.payload, LIMITS.max_payload_bytes)
    return 1


@fuzzing(1500)
@given(messages())
def test_routing_any_message_never_raises_and_accounts_for_each_item(
    message: ReceivedMessage,
) -> None:
    """Any topic, any payload: each item becomes an event, a record or a dead letter."""
    batch = IngestBatch()
    routed = route(message, batch)
    assert routed.total == expected_outcomes(message)
    for letter in batch.dead_letters:
        assert letter.reason.strip() and letter.topic == message.topic
    for record in batch.events:
        topic = TOPICS.parse(message.topic)
        assert (record.event.site, record.event.gateway) == (topic.site, topic.gateway)


@pytest.fixture
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    """One migrated SQLite ledger for all examples of a test (each example counts its own rows)."""
    opened = Ledger.open(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'ledger.db'}")
    opened.migrate()
    yield opened
    opened.close()


@fuzzing(250)
@given(st.lists(messages(), min_size=1, max_size=8))
@example([ReceivedMessage(f"{PREFIX}/events", payload, 1, False, 0) for payload in (
    to_json({**access_event(SITE, GATEWAY, 1), "seq": 2**63}, ascii_only=True),  # > BIGINT
    to_json(access_event(SITE, GATEWAY, 2, ts="0001-01-01T00:00:00+01:00"), ascii_only=True),
    to_json(access_event(SITE, GATEWAY, 3, ts="9999-12-31T23:59:59-01:00"), ascii_only=True),
)])
def test_every_message_ends_in_the_ledger_as_events_or_dead_letters(
    ledger: Ledger, received: list[ReceivedMessage]
) -> None:
    """A commit of any routed messages stores each event once and each refusal as a dead letter."""
    batch = IngestBatch()
    outcomes = [route(message, batch) for message in received]
    assert [o.total for o in outcomes] == [expected_outcomes(m) for m in received]
    batch.media = [
        MediaRecord(o.upload.sha256, o.upload.site, o.upload.gateway, len(o.upload.data),
                    f"/media/{o.upload.sha256}", RECEIVED)
        for o in outcomes if o.upload is not None
    ]
    events_before, letters_before = ledger.event_count(), ledger.dead_letter_count()

    result = ledger.commit(batch)

    assert result.stored + result.duplicates == len(batch.events)
    assert ledger.event_count() - events_before == result.stored
    assert ledger.dead_letter_count() - letters_before == len(batch.dead_letters)
    for record in batch.events:
        assert ledger.get_event(record.event.id) is not None
    for upload in (o.upload for o in outcomes if o.upload is not None):
        assert ledger.media_path(upload.sha256) is not None
