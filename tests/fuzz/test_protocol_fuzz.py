"""Property-based fuzzing of the protocol decoder: it never raises, and accounts for every item."""

from __future__ import annotations

import re
from typing import Any

import orjson
from hypothesis import example, given
from hypothesis import strategies as st

from sitewatch.protocol import (
    GatewayHealth,
    GatewayStatus,
    ProtocolError,
    Topic,
    decode_events,
    decode_model,
    encode_event,
    event_adapter,
)
from sitewatch.protocol.codec import Decoded
from tests.fuzz.payloads import (
    GATEWAY,
    SITE,
    BatchItem,
    Mutant,
    batch_items,
    batch_length,
    expected_items,
    fuzzing,
    garbage_payloads,
    json_values,
    mutants,
    to_json,
    valid_envelopes,
)

TOPIC = Topic(SITE, GATEWAY, "events")
ITEM_INDEX = re.compile(r"^batch item (\d+): \S")

def assert_accounted(decoded: Decoded, payload: bytes) -> None:
    """Every item accepted as a valid event of the topic's gateway or rejected with a reason."""
    assert len(decoded.accepted) + len(decoded.rejected) == expected_items(payload)
    for rejected in decoded.rejected:
        assert rejected.reason.strip()
        assert isinstance(rejected.raw, bytes)
    for accepted in decoded.accepted:
        event = accepted.event
        assert (event.site, event.gateway) == (SITE, GATEWAY)
        assert event_adapter.validate_json(accepted.body) == event


@fuzzing(1000)
@given(valid_envelopes, st.booleans())
def test_a_valid_envelope_is_accepted_and_round_trips(
    doc: dict[str, Any], ascii_only: bool
) -> None:
    """A valid envelope decodes to one event whose body and wire form decode to it again."""
    decoded = decode_events(TOPIC, to_json(doc, ascii_only))
    assert decoded.rejected == []
    [accepted] = decoded.accepted
    assert orjson.loads(accepted.body) == doc
    again = decode_events(TOPIC, encode_event(accepted.event))
    assert [a.event for a in again.accepted] == [accepted.event]


@fuzzing(2500)
@given(mutants())
@example(Mutant({"v": True, "id": "01J0000000000000000000000Z", "seq": 1,
                 "ts": "2026-11-22T08:00:00+00:00", "site": SITE, "gateway": GATEWAY,
                 "device": "d", "kind": "sensor", "metric": "smoke"}, True))  # was accepted
def test_a_mutated_envelope_is_refused_with_a_reason_or_accepted_as_valid(mutant: Mutant) -> None:
    """A mutant that breaks a rule is refused with a reason; any other is a valid event."""
    payload = to_json(mutant.doc, ascii_only=True)
    decoded = decode_events(TOPIC, payload)
    assert_accounted(decoded, payload)
    if mutant.must_reject:
        assert decoded.accepted == []


@fuzzing(3400)
@given(garbage_payloads)
@example(b"[" * 100_000)
@example(b"[" * 300 + b"]" * 300)  # a batch item deeper than orjson writes: was a TypeError
@example(b'{"v": 1, "device": "\xff\xfe"}')
def test_garbage_never_raises_and_is_refused_with_a_reason(payload: bytes) -> None:
    """Random bytes, random JSON, deep nesting, huge numbers, NULs, bad UTF-8: never a crash."""
    decoded = decode_events(TOPIC, payload)
    assert_accounted(decoded, payload)


@fuzzing(400)
@given(st.lists(batch_items, min_size=0, max_size=8))
def test_a_mixed_batch_accepts_exactly_its_valid_items(items: list[BatchItem]) -> None:
    """In a batch of good and bad items, each good one is accepted and each bad one named."""
    payload = to_json([item.doc for item in items], ascii_only=True)
    decoded = decode_events(TOPIC, payload)
    assert_accounted(decoded, payload)
    if batch_length(payload) is None:
        return  # refused as a whole (empty, not JSON, a NUL), which assert_accounted checked
    accepted_ids = {a.event.id for a in decoded.accepted}
    refused_at = {int(ITEM_INDEX.match(r.reason)[1]) for r in decoded.rejected}  # type: ignore[index]
    for index, item in enumerate(items):
        if item.verdict == "accept":
            assert index not in refused_at
            assert canonical_id(item.doc["id"]) in accepted_ids
        elif item.verdict == "reject":
            assert index in refused_at


def canonical_id(event_id: str) -> str:
    """The one spelling the hub stores: ULIDs upper case, UUIDs lower case."""
    return event_id.upper() if len(event_id) == 26 else event_id.lower()


@fuzzing(1000)
@given(st.one_of(
    garbage_payloads,
    json_values.map(lambda v: to_json(v, ascii_only=False)),
    st.fixed_dictionaries(
        {"state": st.sampled_from(["online", "offline", "busy"]), "agent_version": json_values,
         "started_at": st.sampled_from(["2026-11-22T00:00:00Z", "9999-12-31T23:59:59-01:00"]),
         "config_hash": st.text(max_size=200)},
    ).map(lambda d: to_json(d, ascii_only=True)),
    st.fixed_dictionaries(
        {"ts": st.just("2026-11-22T00:00:00Z"), "outbox_depth": json_values,
         "oldest_pending_age_s": json_values, "cpu_percent": json_values,
         "memory_rss_bytes": json_values, "dropped": json_values, "cameras": json_values},
    ).map(lambda d: to_json(d, ascii_only=True)),
))
def test_status_and_health_decode_or_raise_only_protocol_errors(payload: bytes) -> None:
    """Status and health payloads become a model or a ProtocolError with a reason, nothing else."""
    for model in (GatewayStatus, GatewayHealth):
        try:
            decode_model(model, payload)
        except ProtocolError as exc:
            assert str(exc).strip()
