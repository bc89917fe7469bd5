"""Protocol v1: models, topics, codec and pseudonymisation, with plain values."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from sitewatch.cli import app
from sitewatch.protocol import (
    GatewayHealth,
    GatewayStatus,
    ProtocolError,
    Topic,
    Topics,
    decode_events,
    decode_model,
    encode_event,
    event_adapter,
    pseudonymise,
)
from sitewatch.protocol.schema import protocol_schema_text

SUBJECT = "a" * 64
TOPIC = Topic("park", "gw-1", "events")

BASE = {
    "v": 1, "id": "01JDA6Z3Q0XWB5V7S0Y1N7K2PM", "seq": 1, "ts": "2026-11-22T08:00:00+08:00",
    "site": "park", "gateway": "gw-1", "device": "gate-1",
}
SAMPLES: dict[str, dict[str, Any]] = {
    "place_scan": {"kind": "place_scan", "subject": SUBJECT, "method": "id_card",
                   "health": "green", "temperature_c": 36.6, "verdict": "pass", "visitor": False},
    "access": {"kind": "access", "subject": SUBJECT,
               "credential": {"type": "card", "ref": "b" * 64},
               "direction": "in", "result": "denied", "reason": "expired"},
    "camera": {"kind": "camera", "type": "line_crossing", "count": 3, "in": 2, "out": 1,
               "zone": "lobby", "score": 0.9, "boxes": [[1, 2, 30, 60]]},
    "vehicle": {"kind": "vehicle", "plate": "沪A12345", "direction": "in", "result": "granted"},
    "sensor": {"kind": "sensor", "metric": "water_leak", "value": 1.0, "unit": "bool",
               "alarm": True},
}


def event(sample: str, **changes: Any) -> dict[str, Any]:
    """A valid envelope of the sample kind with `changes` applied."""
    return {**copy.deepcopy(BASE), **copy.deepcopy(SAMPLES[sample]), **changes}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_every_kind_round_trips(kind: str) -> None:
    decoded = decode_events(TOPIC, orjson.dumps(event(kind)))
    assert decoded.rejected == []
    [accepted] = decoded.accepted
    assert accepted.event.kind == kind
    again = event_adapter.validate_python(orjson.loads(encode_event(accepted.event)))
    assert again == accepted.event


def test_camera_in_field_uses_its_wire_name() -> None:
    camera = event_adapter.validate_python(event("camera"))
    assert orjson.loads(encode_event(camera))["in"] == 2


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"extra": 1}, "Extra inputs are not permitted"),
        ({"v": 2}, "v: Input should be 1"),
        ({"ts": "2026-11-22T08:00:00"}, "timezone"),
        ({"ts": 1764000000}, "RFC 3339"),
        ({"seq": 0}, "seq"),
        ({"id": "not-an-id"}, "UUID or a ULID"),
        ({"kind": "teleport"}, "kind"),
        ({"subject": "13800138000"}, "subject"),
        ({"temperature_c": "36.6"}, "temperature_c"),
        ({"site": "a/b"}, "site"),
    ],
)
def test_invalid_envelopes_are_rejected_with_a_reason(
    changes: dict[str, Any], fragment: str
) -> None:
    decoded = decode_events(TOPIC, orjson.dumps(event("place_scan", **changes)))
    assert decoded.accepted == []
    assert fragment in decoded.rejected[0].reason


def test_body_must_match_topic() -> None:
    decoded = decode_events(Topic("park", "gw-2", "events"), orjson.dumps(event("access")))
    assert "does not match topic park/gw-2" in decoded.rejected[0].reason


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (b"{not json", "malformed JSON"),
        (b"\xff\xfe{}", "not valid UTF-8"),
        (b"[]", "empty batch"),
        (b"42", "JSON object or array"),
        (b'{"v":1,"device":"a\\u0000b"}', "NUL"),
    ],
)
def test_unparseable_payloads(payload: bytes, fragment: str) -> None:
    decoded = decode_events(TOPIC, payload)
    assert fragment in decoded.rejected[0].reason
    assert decoded.rejected[0].raw == payload


def test_oversized_payload_is_refused_before_parsing() -> None:
    decoded = decode_events(TOPIC, b"[" + b" " * 2000 + b"]", max_bytes=1000)
    assert "exceeds the limit of 1000" in decoded.rejected[0].reason


def test_batch_keeps_valid_items_and_rejects_each_invalid_one() -> None:
    batch = [event("access", seq=1), event("access", seq=2, result="maybe"), 7,
             event("sensor", seq=3, id="0b9f2a7e-3c1d-4e5f-8a9b-0c1d2e3f4a5b")]
    decoded = decode_events(TOPIC, orjson.dumps(batch))
    assert [a.event.seq for a in decoded.accepted] == [1, 3]
    reasons = [r.reason for r in decoded.rejected]
    assert reasons[0].startswith("batch item 1: access.result")
    assert reasons[1].startswith("batch item 2: an event must be a JSON object")
    assert orjson.loads(decoded.rejected[0].raw)["seq"] == 2


def test_ids_are_canonicalised() -> None:
    ulid = event_adapter.validate_python(event("sensor", id=BASE["id"].lower()))
    uuid = event_adapter.validate_python(event("sensor", id="0B9F2A7E-3C1D-4E5F-8A9B-0C1D2E3F4A5B"))
    assert ulid.id == BASE["id"]
    assert uuid.id == "0b9f2a7e-3c1d-4e5f-8a9b-0c1d2e3f4a5b"


def test_topics_build_and_parse() -> None:
    topics = Topics("acme/sitewatch/v1")
    sha = "c" * 64
    assert topics.parse(topics.events("park", "gw-1")) == Topic("park", "gw-1", "events")
    assert topics.parse(topics.media("park", "gw-1", sha)) == Topic("park", "gw-1", "media", sha)
    assert topics.parse(topics.status("park", "gw-1")).channel == "status"
    assert topics.parse(topics.health("park", "gw-1")).channel == "health"
    assert topics.subscriptions("hubs")[0] == "$share/hubs/acme/sitewatch/v1/+/+/events"


@pytest.mark.parametrize(
    "topic",
    ["other/park/gw/events", "sitewatch/v1/park/events", "sitewatch/v1/park/gw/alarms",
     "sitewatch/v1/park/gw/media/XYZ", "sitewatch/v1/park/gw/events/extra",
     "sitewatch/v1/pa rk/gw/events"],
)
def test_bad_topics_raise(topic: str) -> None:
    with pytest.raises(ProtocolError):
        Topics().parse(topic)


def test_status_and_health_decode() -> None:
    status = decode_model(GatewayStatus, orjson.dumps({
        "state": "online", "agent_version": "0.1.0", "started_at": "2026-11-22T00:00:00Z",
        "config_hash": "abc"}))
    assert status.state == "online"
    health = decode_model(GatewayHealth, orjson.dumps({
        "ts": "2026-11-22T00:00:10Z", "outbox_depth": 3, "oldest_pending_age_s": 1.5,
        "cpu_percent": 2.0, "memory_rss_bytes": 1000}))
    assert health.outbox_depth == 3
    with pytest.raises(ProtocolError, match="state"):
        decode_model(GatewayStatus, b'{"state": "sleeping"}')


def test_pseudonym_normalises_and_depends_on_the_key() -> None:
    key = b"k" * 32
    a = pseudonymise(key, "110101 19900307 123X")
    assert a == pseudonymise(key, "11010119900307123x")
    assert a != pseudonymise(b"j" * 32, "11010119900307123X")
    assert len(a) == 64 and "110101" not in a
    with pytest.raises(ValueError):
        pseudonymise(b"short", "x")


def test_committed_schema_has_not_drifted() -> None:
    with open("docs/protocol.schema.json", encoding="utf-8") as handle:
        assert handle.read() == protocol_schema_text(), "run: sitewatch protocol schema"
    result = CliRunner().invoke(app, ["protocol", "schema", "--check"])
    assert result.exit_code == 0, result.output
