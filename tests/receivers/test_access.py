"""Access records: vendor spellings, pseudonymised numbers, `key=value` lines, the HTTP push."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from edge_agent.receivers.access import AccessHttpSource, kv_record
from edge_agent.receivers.records import RecordError
from edge_agent.receivers.settings import AccessHttpSettings
from sitewatch.protocol import pseudonymise
from tests.receivers.support import SITE_KEY, RecordingSink, serving

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
CARD = "12345678"


def source(**changes: Any) -> AccessHttpSource:
    """An access receiver on a free local port."""
    return AccessHttpSource(AccessHttpSettings(host="127.0.0.1", port=0, **changes), SITE_KEY)


def convert(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The draft fields of a record sent to door A-1."""
    return dict(source(**changes).convert({"door": "A-1", **record}, NOW).fields)


def test_card_and_person_numbers_are_pseudonymised() -> None:
    fields = convert({"card_number": CARD, "person_id": "E-1024", "result": "granted"})
    assert fields == {
        "subject": pseudonymise(SITE_KEY, "E1024"),
        "credential": {"type": "card", "ref": pseudonymise(SITE_KEY, CARD)},
        "direction": "in",
        "result": "granted",
        "reason": None,
    }
    anonymous = convert({"card_number": CARD, "result": "denied", "reason": "expired card"})
    assert anonymous["subject"] is None
    assert anonymous["reason"] == "expired card"


@pytest.mark.parametrize(
    ("result", "expected", "reason"),
    [
        ("granted", "granted", None),
        ("Access_Granted", "granted", None),
        ("OK", "granted", None),
        ("rejected", "denied", None),
        ("anti_passback", "denied", "anti_passback"),
        ("INVALID_CARD", "denied", "invalid_card"),
        ("door_forced_open", "forced", None),
        ("forced", "forced", None),
        ("door_held_open", "held_open", None),
        ("door_open_too_long", "held_open", None),
    ],
)
def test_result_spellings(result: str, expected: str, reason: str | None) -> None:
    fields = convert({"result": result})
    assert (fields["result"], fields["reason"]) == (expected, reason)


def test_direction_and_credential_spellings_and_defaults() -> None:
    fields = convert({"result": "ok", "direction": "Exit", "credential_type": "人脸"})
    assert (fields["direction"], fields["credential"]["type"]) == ("out", "face")
    fields = convert({"result": "ok"}, direction="out", credential_type="qr")
    assert (fields["direction"], fields["credential"]) == ("out", {"type": "qr", "ref": None})


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"result": "exploded"}, "result"),
        ({}, "result"),
        ({"result": "ok", "direction": "sideways"}, "direction"),
        ({"result": "ok", "credential_type": "retina"}, "credential_type"),
        ({"result": "ok", "reason": "x" * 201}, "reason"),
        ({"result": "ok", "card_number": {"n": 1}}, "card_number"),
        ({"result": "ok", "door": "A\x01"}, "door"),
    ],
)
def test_bad_records_are_refused_by_field(record: dict[str, Any], field: str) -> None:
    with pytest.raises(RecordError) as refused:
        convert(record)
    assert field in [p.field for p in refused.value.problems]


def test_kv_line_with_the_documented_layout() -> None:
    line = "2026-11-22T08:01:02+08:00 door=A-1 card=12345678 dir=in result=granted"
    assert kv_record(line) == {
        "ts": "2026-11-22T08:01:02+08:00",
        "door": "A-1",
        "card_number": CARD,
        "direction": "in",
        "result": "granted",
    }


def test_kv_line_variants() -> None:
    line = '2026-11-22 08:01:02 reader=B-2 emp=E7 event=door_held_open reason="held 40 s"'
    assert kv_record(line) == {
        "ts": "2026-11-22T08:01:02",
        "door": "B-2",
        "person_id": "E7",
        "result": "door_held_open",
        "reason": "held 40 s",
    }
    assert kv_record("door=C result=ok") == {"door": "C", "result": "ok"}


@pytest.mark.parametrize(
    "line",
    [
        'door=A result="granted',  # unbalanced quote
        "2026-11-22 08:01:02 extra door=A result=ok",  # three bare words
        "door=A garbage result=ok",  # a bare word after the key=value part
    ],
)
def test_kv_garbage_is_refused(line: str) -> None:
    with pytest.raises(RecordError):
        kv_record(line)


def test_http_push_of_a_door_event_batch(caplog: pytest.LogCaptureFixture) -> None:
    sink = RecordingSink()
    batch = [
        {"door": "A-1", "card_number": CARD, "result": "granted", "direction": "in"},
        {"door": "A-1", "result": "door_forced_open"},
    ]
    with caplog.at_level(logging.DEBUG), serving(source(), sink) as base:
        assert httpx.post(f"{base}/events", json=batch).json() == {"accepted": 2}
        refused = httpx.post(f"{base}/events", json={"card_number": CARD, "result": "maybe"})
    assert refused.status_code == 422
    assert {d["field"] for d in refused.json()["detail"]} == {"result"}
    events = sink.events()
    assert [(e["kind"], e["result"]) for e in events] == [
        ("access", "granted"),
        ("access", "forced"),
    ]
    assert events[0]["credential"]["ref"] == pseudonymise(SITE_KEY, CARD)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "422" in logged and CARD not in logged and CARD not in refused.text
