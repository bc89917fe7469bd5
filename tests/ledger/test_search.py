"""Event search: each filter, time bounds in UTC, keyset pagination."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from hub.ledger import Ledger
from hub.records import EventQuery
from tests.ledger.factory import T0, envelope, events_batch, pseudonym


def ids(ledger: Ledger, **filters: Any) -> list[str]:
    page = ledger.search_events(EventQuery(**filters))
    return [str(item["id"]) for item in page.items]


def at(seconds: int) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


@pytest.fixture
def scene(ledger: Ledger) -> dict[str, dict[str, Any]]:
    """Events that differ in one field each; the key names what sets each apart."""
    docs = {
        "base": envelope(1, ts=at(1)),
        "other_site": envelope(1, ts=at(2), site="park-2"),
        "other_gateway": envelope(1, ts=at(3), gateway="gw-2"),
        "other_device": envelope(2, ts=at(4), device="lobby-turnstile"),
        "access": envelope(3, kind="access", ts=at(5)),
        "bob": envelope(4, ts=at(6), subject=pseudonym("bob")),
        "vehicle": envelope(5, kind="vehicle", ts=at(7)),
    }
    ledger.commit(events_batch(*docs.values()))
    return docs


def test_no_filter_returns_all_newest_first(ledger: Ledger, scene: dict[str, Any]) -> None:
    expected = sorted(scene.values(), key=lambda d: d["ts"], reverse=True)
    assert ids(ledger) == [d["id"] for d in expected]


@pytest.mark.parametrize(
    ("filters", "names"),
    [
        ({"site": "park-2"}, ["other_site"]),
        ({"gateway": "gw-2"}, ["other_gateway"]),
        ({"device": "lobby-turnstile"}, ["other_device"]),
        ({"kind": "access"}, ["access"]),
        ({"kind": "vehicle"}, ["vehicle"]),
        ({"subject": pseudonym("bob")}, ["bob"]),
        (
            {
                "site": "park-1",
                "gateway": "gw-1",
                "kind": "place_scan",
                "device": "gate-1",
                "subject": pseudonym("alice"),
            },
            ["base"],
        ),
        ({"since": T0 + timedelta(seconds=6)}, ["vehicle", "bob"]),
        ({"until": T0 + timedelta(seconds=2)}, ["base"]),
        (
            {"since": T0 + timedelta(seconds=3), "until": T0 + timedelta(seconds=5)},
            ["other_device", "other_gateway"],
        ),
        ({"site": "nowhere"}, []),
    ],
)
def test_filters(
    ledger: Ledger, scene: dict[str, Any], filters: dict[str, Any], names: list[str]
) -> None:
    assert ids(ledger, **filters) == [scene[name]["id"] for name in names]


def test_time_bounds_compare_in_utc(ledger: Ledger) -> None:
    shanghai = timezone(timedelta(hours=8))
    doc = envelope(1, ts=datetime(2024, 5, 1, 16, 0, tzinfo=shanghai).isoformat())
    ledger.commit(events_batch(doc))
    eight_utc = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert ids(ledger, since=eight_utc) == [doc["id"]]  # since is inclusive
    assert ids(ledger, until=eight_utc) == []  # until is exclusive
    assert ids(ledger, until=eight_utc + timedelta(microseconds=1)) == [doc["id"]]
    new_york = timezone(timedelta(hours=-4))
    assert ids(ledger, since=datetime(2024, 5, 1, 4, 0, tzinfo=new_york)) == [doc["id"]]


def test_naive_bounds_are_refused(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="naive"):
        ledger.search_events(EventQuery(since=datetime(2024, 5, 1)))


def test_items_carry_received_at_and_enrichment(ledger: Ledger, scene: dict[str, Any]) -> None:
    [item] = ledger.search_events(EventQuery(kind="vehicle")).items
    unknown = dict.fromkeys(("building", "floor", "gate", "enterprise", "person_type"))
    assert item == {
        **scene["vehicle"], "received_at": "2024-05-01T09:00:00+00:00", "enrichment": unknown
    }


def page_through(ledger: Ledger, limit: int) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = None
    while True:
        page = ledger.search_events(EventQuery(limit=limit, cursor=cursor))
        pages.append([str(item["id"]) for item in page.items])
        cursor = page.next_cursor
        if cursor is None:
            return pages


def test_pagination_covers_everything_once(ledger: Ledger) -> None:
    docs = [envelope(n, ts=at(n)) for n in range(1, 251)]
    ledger.commit(events_batch(*docs))
    pages = page_through(ledger, limit=100)
    assert [len(page) for page in pages] == [100, 100, 50]
    assert [i for page in pages for i in page] == [d["id"] for d in reversed(docs)]


def test_pagination_is_stable_when_timestamps_are_equal(ledger: Ledger) -> None:
    docs = [envelope(n, ts=at(0)) for n in range(1, 26)]
    ledger.commit(events_batch(*docs))
    pages = page_through(ledger, limit=10)
    assert [len(page) for page in pages] == [10, 10, 5]
    assert [i for page in pages for i in page] == sorted((d["id"] for d in docs), reverse=True)


def test_exact_last_page_has_no_next_cursor(ledger: Ledger) -> None:
    ledger.commit(events_batch(*(envelope(n) for n in range(1, 11))))
    assert ledger.search_events(EventQuery(limit=10)).next_cursor is None
    assert ledger.search_events(EventQuery(limit=5)).next_cursor is not None


def test_cursor_keeps_filters_working(ledger: Ledger) -> None:
    docs = [envelope(n, ts=at(n), kind="access" if n % 2 else "place_scan") for n in range(1, 21)]
    ledger.commit(events_batch(*docs))
    first = ledger.search_events(EventQuery(kind="access", limit=4))
    second = ledger.search_events(EventQuery(kind="access", limit=4, cursor=first.next_cursor))
    seen = [item["seq"] for item in first.items + second.items]
    assert seen == [19, 17, 15, 13, 11, 9, 7, 5]


def test_limit_is_clamped(ledger: Ledger) -> None:
    ledger.commit(events_batch(*(envelope(n) for n in range(1, 4))))
    assert len(ledger.search_events(EventQuery(limit=0)).items) == 1
    assert len(ledger.search_events(EventQuery(limit=-5)).items) == 1
    assert len(ledger.search_events(EventQuery(limit=10_000)).items) == 3


@pytest.mark.parametrize("cursor", ["", "not a cursor", "bm9wZQ", "WzEsMl0"])
def test_bad_cursor_is_a_value_error(ledger: Ledger, cursor: str) -> None:
    with pytest.raises(ValueError, match="invalid cursor"):
        ledger.search_events(EventQuery(cursor=cursor))
