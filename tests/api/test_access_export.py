"""The access-audit CSV: passages only, streamed page by page, scoped and audited."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from sqlalchemy import Engine

from hub.exports import access_csv_chunks
from hub.ledger import Ledger
from hub.records import EventPage, EventQuery
from tests.api.conftest import Hub
from tests.api.scene import EMPLOYEE_ID, OTHER_SITE, SITE, at, subject_of
from tests.api.served import served
from tests.ledger.factory import envelope, pseudonym


@pytest.fixture
def scene(hub: Hub) -> dict[str, str]:
    """Passages and other events at both sites; ids by name."""
    employee = subject_of(EMPLOYEE_ID)
    docs = {
        "scan": envelope(1, ts=at(1), subject=employee),
        "lobby_in": envelope(2, "access", ts=at(2), device="n-in", subject=employee),
        "lobby_denied": envelope(3, "access", ts=at(3), device="n-in", result="denied",
                                 subject=pseudonym("stranger")),
        "car": envelope(4, "vehicle", ts=at(4), device="plate-in"),
        "camera": envelope(5, "camera", ts=at(5), device="cam-lobby"),
        "smoke": envelope(6, "sensor", ts=at(6), device="smoke-1"),
        "elsewhere": envelope(1, "access", ts=at(7), site=OTHER_SITE, device="n-in"),
    }
    hub.commit(*docs.values())
    return {name: doc["id"] for name, doc in docs.items()}


def rows(text: str) -> list[dict[str, str]]:
    """The CSV's rows (its BOM dropped, as spreadsheets do)."""
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_csv_holds_the_passages_that_match(hub: Hub, scene: dict[str, str]) -> None:
    admin = hub.sign_in("root", "admin")
    response = hub.api.client.get("/api/v1/exports/access.csv", headers=admin,
                                  params={"site": SITE})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    found = rows(response.text)
    assert [r["id"] for r in found] == [
        scene[n] for n in ("car", "lobby_denied", "lobby_in", "scan")]  # newest first
    assert (found[1]["building"], found[1]["gate"], found[1]["result"]) == (
        "north", "n-lobby", "denied")
    assert (found[2]["enterprise"], found[2]["person_type"]) == ("acme", "employee")

    acme = hub.api.client.get("/api/v1/exports/access.csv", headers=admin,
                              params={"enterprise": "acme", "since": at(2)})
    assert [r["id"] for r in rows(acme.text)] == [scene["lobby_in"]]
    north = hub.api.client.get("/api/v1/exports/access.csv", headers=admin,
                               params={"building": "north", "until": at(3)})
    assert [r["id"] for r in rows(north.text)] == [scene["lobby_in"]]

    entries = hub.audit("exports.access_csv")
    passages = ["access", "place_scan", "vehicle"]
    assert [e.detail for e in entries] == [
        {"building": "north", "until": at(3), "kinds": passages},
        {"enterprise": "acme", "since": at(2), "kinds": passages},
        {"site": SITE, "kinds": passages},
    ]


def test_a_manager_exports_only_their_sites(hub: Hub, scene: dict[str, str]) -> None:
    manager = hub.sign_in("pm-2", "property_manager", [OTHER_SITE])
    mine = hub.api.client.get("/api/v1/exports/access.csv", headers=manager)
    assert [r["id"] for r in rows(mine.text)] == [scene["elsewhere"]]
    theirs = hub.api.client.get("/api/v1/exports/access.csv", headers=manager,
                                params={"site": SITE})
    assert theirs.status_code == 403
    [denied] = hub.audit("access.denied")
    assert (denied.actor, denied.target) == ("pm-2", SITE)


def test_the_csv_is_streamed_in_chunks_without_a_length(
    hub: Hub, scene: dict[str, str]
) -> None:
    admin = hub.sign_in("root", "admin")
    with served(hub.api.client.app) as base, httpx.Client(base_url=base) as client, \
            client.stream("GET", "/api/v1/exports/access.csv", headers=admin) as response:
        assert response.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in response.headers
        text = response.read().decode("utf-8")
    assert len(rows(text)) == 5


class CountingLedger(Ledger):
    """The real ledger, noting the size of each page it reads (what the export holds)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.pages: list[int] = []

    def search_events(self, query: EventQuery) -> EventPage:
        """Search for real, and note how many events the page holds."""
        page = super().search_events(query)
        self.pages.append(len(page.items))
        return page


def test_the_export_reads_one_page_at_a_time(hub: Hub, scene: dict[str, str]) -> None:
    ledger = CountingLedger(hub.api.engine)
    chunks = access_csv_chunks(ledger, EventQuery(site=SITE, limit=1), page_size=2)
    header = next(chunks)
    assert header.decode("utf-8-sig").startswith("id,ts,received_at,site")
    assert ledger.pages == []  # nothing read before it is asked for
    body = [next(chunks)]
    assert ledger.pages == [2]
    body += list(chunks)
    assert ledger.pages == [2, 2, 2]  # the six events of park-1, two at a time
    text = (header + b"".join(body)).decode("utf-8")
    assert [r["id"] for r in rows(text)] == [
        scene[n] for n in ("smoke", "camera", "car", "lobby_denied", "lobby_in", "scan")]
