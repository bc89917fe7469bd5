"""The traffic model: protocol-valid, deterministic, ordered, realistic and pseudonymous."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import datetime, time, timedelta

import orjson
import pytest
from ulid import ULID

from edge_agent.ports import Draft
from edge_agent.simulation import SiteRegistry, TrafficModel
from sitewatch.protocol import EVENT_KINDS, event_adapter
from tests.simulation.conftest import GATEWAYS, SEED, SHANGHAI, SITE_KEY, WEDNESDAY


def envelope(draft: Draft, seq: int, gateway: str) -> dict[str, object]:
    """The full protocol envelope the agent would make of a draft."""
    return {
        "v": 1,
        "id": str(ULID()),
        "seq": seq,
        "ts": draft.ts,
        "site": "riverside-science-park",
        "gateway": gateway,
        "device": draft.device,
        "kind": draft.kind,
        **draft.fields,
        "media": [],
    }


def _between(drafts: list[Draft], start: time, end: time) -> list[Draft]:
    return [d for d in drafts if start <= d.ts.time() < end]


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_every_draft_of_a_weekday_is_a_valid_event(
    weekday: dict[str, list[Draft]], gateway: str
) -> None:
    drafts = weekday[gateway]
    assert len(drafts) > 2000
    for seq, draft in enumerate(drafts, start=1):
        event = event_adapter.validate_python(envelope(draft, seq, gateway))
        assert event.kind == draft.kind
    # Through JSON too, as the hub receives it: the `in` key, nested credential, floats.
    for seq, draft in enumerate(drafts[::50], start=1):
        body = orjson.dumps(envelope(draft, seq, gateway))
        assert event_adapter.validate_json(body).device == draft.device


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_drafts_are_in_order_within_the_window_and_in_the_site_zone(
    weekday: dict[str, list[Draft]], gateway: str
) -> None:
    stamps = [d.ts for d in weekday[gateway]]
    assert stamps == sorted(stamps)
    assert stamps[0] >= WEDNESDAY and stamps[-1] < WEDNESDAY + timedelta(days=1)
    assert all(ts.utcoffset() == timedelta(hours=8) for ts in stamps)


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_only_devices_the_gateway_serves(
    demo: SiteRegistry, weekday: dict[str, list[Draft]], gateway: str
) -> None:
    assert {d.device for d in weekday[gateway]} <= demo.served_devices(gateway)


def test_same_seed_same_drafts_other_seed_other_drafts(
    demo: SiteRegistry, weekday: dict[str, list[Draft]]
) -> None:
    again = TrafficModel(demo, "gw-north", SITE_KEY, SEED)
    end = WEDNESDAY + timedelta(days=1)
    assert list(again.events_between(WEDNESDAY, end)) == weekday["gw-north"]
    other = TrafficModel(demo, "gw-north", SITE_KEY, SEED + 1)
    assert list(other.events_between(WEDNESDAY, end)) != weekday["gw-north"]


def test_split_windows_join_up_to_the_whole(
    demo: SiteRegistry, weekday: dict[str, list[Draft]]
) -> None:
    model = TrafficModel(demo, "gw-north", SITE_KEY, SEED)
    cuts = [WEDNESDAY + timedelta(hours=h, minutes=7) for h in (0, 3, 8, 9, 12, 18, 23)]
    cuts = [WEDNESDAY, *cuts, WEDNESDAY + timedelta(days=1)]
    pieces = [d for a, b in itertools.pairwise(cuts) for d in model.events_between(a, b)]
    assert pieces == weekday["gw-north"]


def test_what_spills_past_midnight_comes_in_the_next_days_window(
    models: dict[str, TrafficModel],
) -> None:
    model, thursday = models["gw-north"], WEDNESDAY + timedelta(days=1)
    spill = [d for d in model.day_drafts(WEDNESDAY.date()) if d.ts >= thursday]
    assert any(d.kind == "access" and d.fields["direction"] == "out" for d in spill)
    window = list(model.events_between(thursday, thursday + timedelta(hours=6)))
    assert all(d in window for d in spill)


def _flow(drafts: list[Draft], start: time, end: time) -> tuple[int, int]:
    """People in and out through lobby turnstiles and the main-gate counting line."""
    n_in = n_out = 0
    for d in _between(drafts, start, end):
        if d.kind == "camera" and d.fields["type"] == "line_crossing":
            n_in, n_out = n_in + d.fields["in"], n_out + d.fields["out"]
        elif d.kind == "access" and d.fields["result"] == "granted":
            n_in += d.fields["direction"] == "in"
            n_out += d.fields["direction"] == "out"
    return n_in, n_out


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_mornings_fill_the_park_and_evenings_empty_it(
    weekday: dict[str, list[Draft]], gateway: str
) -> None:
    morning_in, morning_out = _flow(weekday[gateway], time(7, 30), time(10, 0))
    evening_in, evening_out = _flow(weekday[gateway], time(17, 30), time(20, 0))
    assert morning_in > 5 * morning_out
    assert evening_out > 5 * evening_in
    night_in, night_out = _flow(weekday[gateway], time(1, 0), time(5, 0))
    assert night_in + night_out < morning_in / 50


def test_weekends_are_light(
    models: dict[str, TrafficModel], weekday: dict[str, list[Draft]]
) -> None:
    sunday = WEDNESDAY + timedelta(days=4)
    drafts = list(models["gw-north"].events_between(sunday, sunday + timedelta(days=1)))
    people = Counter(d.kind for d in drafts if d.kind in ("access", "place_scan"))
    workday = Counter(d.kind for d in weekday["gw-north"] if d.kind in ("access", "place_scan"))
    assert 0 < people.total() < workday.total() / 8


def test_every_kind_appears_at_the_gateway_of_the_main_gate(
    weekday: dict[str, list[Draft]],
) -> None:
    drafts = weekday["gw-north"]
    assert set(Counter(d.kind for d in drafts)) == set(EVENT_KINDS)
    scans = [d.fields for d in drafts if d.kind == "place_scan"]
    assert {f["method"] for f in scans} == {"place_code", "id_card", "health_qr"}
    assert any(f["visitor"] and f["method"] == "place_code" for f in scans)
    temperatures = [f["temperature_c"] for f in scans if f["temperature_c"] is not None]
    assert sum(36.0 <= t <= 37.2 for t in temperatures) > 0.98 * len(temperatures)
    for f in scans:
        fever = f["temperature_c"] is not None and f["temperature_c"] >= 37.3
        assert (f["verdict"] == "deny") == (fever or f["health"] == "red")
    cameras = Counter(d.fields["type"] for d in drafts if d.kind == "camera")
    assert cameras["line_crossing"] > 500 and cameras["person"] > 0 and cameras["crowd"] > 0
    results = Counter(d.fields["result"] for d in drafts if d.kind == "access")
    assert 0 < results["denied"] < results["granted"] / 20
    plates = [d.fields["plate"] for d in drafts if d.kind == "vehicle"]
    assert all(re.fullmatch(r"[沪苏浙皖京鲁][A-Z][0-9A-Z]{5,6}", p) for p in plates)
    assert any(d.fields["result"] == "denied" for d in drafts if d.kind == "vehicle")
    metrics = {d.fields["metric"] for d in drafts if d.kind == "sensor"}
    assert metrics == {"smoke", "elevator_fault", "water_leak", "power"}


def test_crowds_are_reported_at_the_main_gate_at_peak(weekday: dict[str, list[Draft]]) -> None:
    crowds = [d for d in weekday["gw-north"] if d.kind == "camera" and d.fields["type"] == "crowd"]
    assert {d.device for d in crowds} == {"cam-mg-plaza"}
    busy = (time(7, 30), time(10, 0)), (time(11, 30), time(14, 0)), (time(17, 0), time(20, 0))
    assert all(any(a <= d.ts.time() < b for a, b in busy) for d in crowds)


def test_no_raw_identifier_leaves_the_model(
    models: dict[str, TrafficModel], weekday: dict[str, list[Draft]]
) -> None:
    raw = models["gw-north"].population.raw_identifiers()
    assert len(raw) > 2000
    for gateway in GATEWAYS:
        dump = orjson.dumps([dict(d.fields) for d in weekday[gateway]]).decode()
        tokens = set(re.findall(r"[0-9A-Za-z]+", dump))
        assert not tokens & raw
    subjects = {d.fields["subject"] for d in weekday["gw-north"] if d.fields.get("subject")}
    assert all(re.fullmatch(r"[0-9a-f]{64}", s) for s in subjects)


def test_both_gateways_see_the_same_people(weekday: dict[str, list[Draft]]) -> None:
    north = {d.fields["subject"] for d in weekday["gw-north"] if d.kind == "place_scan"}
    south = {d.fields["subject"] for d in weekday["gw-south"] if d.kind == "access"} - {None}
    assert len(north & south) > 200


def test_rate_mode_spaces_a_mix_of_kinds_evenly(models: dict[str, TrafficModel]) -> None:
    start = datetime(2025, 6, 1, 10, 0, tzinfo=SHANGHAI)
    drafts = list(models["gw-north"].rate_events(start, 2000, 500.0))
    assert len(drafts) == 2000
    assert drafts[0].ts == start
    gaps = [(b.ts - a.ts).total_seconds() for a, b in itertools.pairwise(drafts)]
    assert all(abs(gap - 0.002) <= 1e-6 for gap in gaps)  # timestamps hold microseconds
    kinds = Counter(d.kind for d in drafts)
    assert set(kinds) == set(EVENT_KINDS)
    assert kinds.most_common(1)[0][1] < 0.5 * len(drafts)
    endless = models["gw-south"].rate_events(start, None, 10.0)
    assert len([next(endless) for _ in range(3)]) == 3


def test_rate_mode_refuses_a_rate_of_zero(models: dict[str, TrafficModel]) -> None:
    with pytest.raises(ValueError, match="positive"):
        next(models["gw-north"].rate_events(WEDNESDAY, 1, 0.0))
