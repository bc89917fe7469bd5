"""Place-scan pushes: the input format, its spellings, derived verdicts, and pseudonymisation."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from edge_agent.receivers.place_scan import PlaceScanHttpSource
from edge_agent.receivers.records import RecordError
from edge_agent.receivers.settings import PlaceScanHttpSettings
from edge_agent.settings import SourceContext, SourceSettings
from sitewatch.protocol import pseudonymise
from tests.receivers.support import SITE_KEY, RecordingSink, serving

RAW_ID = "110101199003074518"
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def source(**changes: Any) -> PlaceScanHttpSource:
    """A receiver with a default terminal, converting at a fixed `now`."""
    settings = PlaceScanHttpSettings(host="127.0.0.1", port=0, device="sentinel-1", **changes)
    return PlaceScanHttpSource(settings, SITE_KEY, clock=lambda: NOW)


def fields_of(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The draft fields a record converts to."""
    draft = source(**changes).convert({"id_number": RAW_ID, **record}, NOW)
    return dict(draft.fields)


@pytest.mark.parametrize(
    ("spelling", "health"),
    [
        ("green", "green"), ("GREEN", "green"), ("绿", "green"), ("绿码", "green"),
        (0, "green"), ("1", "yellow"), ("黄", "yellow"), (2, "red"), ("红码", "red"),
        ("R", "red"), (None, "unknown"), ("未知", "unknown"),
    ],
)  # fmt: skip
def test_health_spellings(spelling: object, health: str) -> None:
    assert fields_of({"health": spelling})["health"] == health


@pytest.mark.parametrize(
    ("record", "verdict"),
    [
        ({"health": "green", "temperature_c": 36.6}, "pass"),
        ({"health": "green", "temperature_c": 37.2}, "pass"),
        ({"health": "green", "temperature_c": 37.3}, "deny"),  # at the threshold: fever
        ({"health": "yellow"}, "deny"),
        ({"health": "red"}, "deny"),
        ({}, "pass"),  # unknown health, no temperature: nothing to deny on
        ({"health": "red", "verdict": "放行"}, "pass"),  # the terminal's decision stands
        ({"health": "green", "verdict": "REJECTED"}, "deny"),
    ],
)
def test_the_verdict_is_the_terminals_or_derived(record: dict[str, Any], verdict: str) -> None:
    assert fields_of(record)["verdict"] == verdict


def test_fever_threshold_and_denying_colours_are_settings() -> None:
    assert fields_of({"temperature_c": 37.5}, fever_threshold_c=38.0)["verdict"] == "pass"
    assert fields_of({"health": "yellow"}, deny_health=["red"])["verdict"] == "pass"


def test_a_record_maps_onto_a_place_scan_draft() -> None:
    ts = "2026-11-22T08:01:02+08:00"
    record = {
        "terminal": "T-07", "ts": ts, "id_number": "1101 0119 9003 0745 18",
        "id_type": "id_card", "method": "qr", "health": "green", "temperature_c": 36.4,
        "visitor": True,
    }  # fmt: skip
    draft = source().convert(record, NOW)
    assert (draft.kind, draft.device, draft.ts) == (
        "place_scan",
        "T-07",
        datetime.fromisoformat(ts),
    )
    assert draft.fields == {
        "subject": pseudonymise(SITE_KEY, RAW_ID),  # separators do not change the pseudonym
        "method": "health_qr",
        "health": "green",
        "temperature_c": 36.4,
        "verdict": "pass",
        "visitor": True,
    }


def test_defaults_device_time_and_method_come_from_settings() -> None:
    draft = source(method="place_code").convert({"id_number": RAW_ID}, NOW)
    assert (draft.device, draft.ts, draft.fields["method"]) == ("sentinel-1", NOW, "place_code")
    bare = PlaceScanHttpSource(PlaceScanHttpSettings(), SITE_KEY)
    with pytest.raises(RecordError) as refused:
        bare.convert({"id_number": RAW_ID}, NOW)
    assert [p.field for p in refused.value.problems] == ["terminal"]


def test_a_time_without_offset_needs_a_configured_zone() -> None:
    with pytest.raises(RecordError) as refused:
        fields_of({"ts": "2026-11-22T08:01:02"})
    assert [p.field for p in refused.value.problems] == ["ts"]
    zoned = source(timezone="Asia/Shanghai").convert(
        {"id_number": RAW_ID, "ts": "2026-11-22 08:01:02"}, NOW
    )
    assert zoned.ts.utcoffset() == timedelta(hours=8)
    assert zoned.ts == datetime(2026, 11, 22, 8, 1, 2, tzinfo=timezone(timedelta(hours=8)))


def test_numbers_are_accepted_as_identifiers_but_not_empty_ones() -> None:
    assert fields_of({"id_number": 12345678})["subject"] == pseudonymise(SITE_KEY, "12345678")
    for empty in ("", " - ", True):
        with pytest.raises(RecordError) as refused:
            fields_of({"id_number": empty})
        assert [p.field for p in refused.value.problems] == ["id_number"]


def test_built_from_generic_source_settings() -> None:
    ctx = SourceContext("park-1", "gw-1", SITE_KEY)
    entry = SourceSettings(type="place_scan_http", port=0, device="d-1", fever_threshold_c=38)
    built = PlaceScanHttpSource.from_settings(entry, ctx)
    assert (built.settings.port, built.settings.fever_threshold_c) == (0, 38.0)
    by_target = SourceSettings(
        type="python", target="edge_agent.receivers.place_scan:PlaceScanHttpSource", port=9
    )
    assert PlaceScanHttpSource.from_settings(by_target, ctx).settings.port == 9
    with pytest.raises(ValueError, match="fever_treshold_c"):
        PlaceScanHttpSource.from_settings(
            SourceSettings(type="place_scan_http", fever_treshold_c=38), ctx
        )


def test_the_raw_id_number_appears_in_no_event_answer_log_or_counter(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink = RecordingSink()
    receiver = source()
    pushes = [
        {"id_number": RAW_ID, "health": "red"},
        [{"id_number": RAW_ID}, {"id_number": RAW_ID, "health": "purple"}],  # refused batch
        {"id_number": [RAW_ID]},  # wrong type
        {"id_number": RAW_ID, RAW_ID: 1},  # unknown field named by the number itself
        {"id_number": RAW_ID, "ts": RAW_ID},
        {"id_number": RAW_ID + "x" * 200},  # too long
    ]
    answers = []
    with caplog.at_level(logging.DEBUG), serving(receiver, sink) as base:
        for push in pushes:
            answers.append(httpx.post(f"{base}/events", json=push))
        sink.full = True
        answers.append(httpx.post(f"{base}/events", json=pushes[0]))

    assert [a.status_code for a in answers] == [202, 422, 422, 422, 422, 422, 503]
    assert [e["subject"] for e in sink.events()] == [pseudonymise(SITE_KEY, RAW_ID)]
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "422" in logged  # the refusals were logged…
    texts = [logged, str(receiver.counters())] + [a.text for a in answers]
    texts += [p.decode() for p in sink.payloads] + [repr(d) for d in sink.drafts]
    for text in texts:  # …and the number is in none of it
        assert RAW_ID not in text
        assert RAW_ID[:12] not in text
