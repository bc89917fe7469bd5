"""CSV and document imports: good rows go in, bad rows come back with their row and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from hub.registry import (
    FileRefused,
    RegistryImport,
    RegistryStore,
    Rejection,
    read_csv,
    read_document,
)
from sitewatch.protocol import pseudonymise
from sitewatch.registry import Credential, Enterprise, Person
from tests.registry.conftest import SITE, pseudonym, uscc

KEY = b"harbour-park-site-key-0123456789"
RAW_ID = "11010519491231002X"  # GB 11643's published example
ENTERPRISES = f"""\
id,name,uscc,building,floor,work_start,work_end,work_days,lease_start,lease_end,property_grade
cedar,Cedar Ltd.,{uscc(3)},south,2,08:30,17:30,mon;tue;wed,2025-01-01,2027-12-31,excellent
bad-code,Bad Code Ltd.,{uscc(4)[:-1]}0,south,2,,,,,,
cedar,Cedar again,{uscc(5)},south,4,,,,,,
lofty,Lofty Ltd.,{uscc(6)},south,9,,,,,,
dates,Dates Ltd.,{uscc(7)},north,3,,,,2025-13-01,,
late,Late Ltd.,{uscc(8)},north,3,,,,2025-06-01,2025-05-31,
copycat,Copycat Ltd.,{uscc(1)},north,4,,,,,,
hours,Hours Ltd.,{uscc(9)},north,4,18:00,09:00,,,,
,,,,,,,,,,
acme,Acme Ltd.,{uscc(1)},north,8,,,,,,good
"""


def test_csv_rows_are_imported_or_rejected_each_with_its_reason(loaded: RegistryStore) -> None:
    batch = read_csv("enterprise", ENTERPRISES, SITE, None)
    report = loaded.apply(batch)
    assert report.imported == {"enterprise": 2, "person": 0, "credential": 0}
    assert report.rejected == (
        Rejection("enterprise", 3, "bad-code", f"unified social credit code "
                  f"{uscc(4)[:-1]}0 fails its check character"),
        Rejection("enterprise", 4, "cedar", "duplicate of row 2"),
        Rejection("enterprise", 5, "lofty", "south has no floor 9"),
        Rejection("enterprise", 6, "dates",
                  "lease_start: Input should be a valid date or datetime, month value is "
                  "outside expected range of 1-12"),
        Rejection("enterprise", 7, "late", "the lease ends before it starts"),
        Rejection("enterprise", 8, "copycat",
                  f"unified social credit code {uscc(1)} belongs to acme"),
        Rejection("enterprise", 9, "hours",
                  "work_start, work_end: working hours must start before they end"),
    )
    cedar = loaded.get(Enterprise, SITE, "cedar")
    assert cedar is not None and cedar.working_hours.days == ["mon", "tue", "wed"]
    assert cedar.property_grade == "excellent" and str(cedar.lease_end) == "2027-12-31"
    acme = loaded.get(Enterprise, SITE, "acme")  # updated in place by its natural id
    assert acme is not None and (acme.floor, acme.contact) == (8, None)


def test_persons_csv_with_raw_id_numbers_stores_only_pseudonyms(
    loaded: RegistryStore, ledger_url: str
) -> None:
    rows = (
        "id_number,enterprise,type,after_hours\n"
        f"{RAW_ID},acme,employee,yes\n"
        "110105194912310021,acme,employee,no\n"  # wrong check character
        f"{RAW_ID.lower()},blue,visitor,no\n"  # the same person, normalised
        "440524188001010014,nowhere,visitor,no\n"
        "440524188001010014,,employee,no\n"
    )
    pseudonymiser = lambda raw: pseudonymise(KEY, raw)  # noqa: E731
    report = loaded.apply(read_csv("person", rows, SITE, pseudonymiser))
    ann = pseudonymise(KEY, RAW_ID)
    other = pseudonymise(KEY, "440524188001010014")
    assert report.imported["person"] == 1
    assert report.rejected == (
        Rejection("person", 3, None,
                  "id_number is not a resident ID number (18 characters, GB 11643)"),
        Rejection("person", 4, ann, "duplicate of row 2"),
        Rejection("person", 5, other, "unknown enterprise 'nowhere'"),
        Rejection("person", 6, None, "an employee must belong to an enterprise"),
    )
    assert loaded.get(Person, SITE, ann) == Person(
        pseudonym=ann, enterprise="acme", type="employee", after_hours=True
    )
    engine = create_engine(ledger_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT * FROM registry_persons")).all()
    engine.dispose()
    assert RAW_ID not in str(stored) and "440524188001010014" not in str(stored)


def test_raw_numbers_without_a_site_key_are_rejected_not_stored(loaded: RegistryStore) -> None:
    rows = f"type,number,person_id_number\ncard,C-0042,{RAW_ID}\n"
    report = loaded.apply(read_csv("credential", rows, SITE, None))
    assert report.rejected == (
        Rejection("credential", 2, None,
                  "number needs the site key to be pseudonymised; none was given"),
    )


def test_credentials_csv_refers_to_persons_by_pseudonym_or_raw_id(loaded: RegistryStore) -> None:
    pseudonymiser = lambda raw: pseudonymise(KEY, raw)  # noqa: E731
    loaded.apply(read_csv("person", f"id_number,type\n{RAW_ID},staff\n", SITE, pseudonymiser))
    rows = (
        "type,ref,number,person,person_id_number\n"
        f"card,,C-0042,,{RAW_ID}\n"
        f"face,{pseudonym('face-bo')},,{pseudonym('bo')},\n"
        f"pin,,1234,{pseudonym('nobody')},\n"
        f"card,{pseudonym('x')},C-1,{pseudonym('bo')},\n"
        f"badge,{pseudonym('y')},,{pseudonym('bo')},\n"
    )
    report = loaded.apply(read_csv("credential", rows, SITE, pseudonymiser))
    assert report.imported["credential"] == 2
    assert [(r.row, r.reason) for r in report.rejected] == [
        (4, f"unknown person {pseudonym('nobody')}"),
        (5, "give ref or number, not both"),
        (6, "type: Input should be 'card', 'face', 'qr' or 'pin'"),
    ]
    card = loaded.get(Credential, SITE, "card", pseudonymise(KEY, "C-0042"))
    assert card is not None and card.person == pseudonymise(KEY, RAW_ID)


def test_a_file_with_unknown_columns_is_refused_whole() -> None:
    with pytest.raises(FileRefused, match="unknown column phone"):
        read_csv("person", "pseudonym,type,phone\n", SITE, None)
    with pytest.raises(FileRefused, match="needs a column ref or number"):
        read_csv("credential", "type,person\n", SITE, None)


def test_tenant_records_are_judged_item_by_item(loaded: RegistryStore) -> None:
    document = {
        "site": SITE,
        "enterprises": [
            {"id": "dune", "name": "Dune Co.", "uscc": uscc(10), "building": "north", "floor": 2},
            {"id": "dune2", "name": "Dune 2", "uscc": uscc(11), "building": "north"},
        ],
        "persons": [
            {"pseudonym": pseudonym("fay"), "enterprise": "dune", "type": "employee"},
            {"pseudonym": pseudonym("gus"), "enterprise": "dune2", "type": "employee"},
        ],
        "credentials": [{"type": "card", "ref": pseudonym("card-fay"), "person": pseudonym("fay")},
                        "not a mapping"],
    }
    report = loaded.apply(read_document(document, None))
    assert report.imported == {"enterprise": 1, "person": 1, "credential": 1}
    assert report.rejected == (
        Rejection("credential", 2, None, "a credential is a mapping of fields"),
        Rejection("enterprise", 2, "dune2", "floor: Field required"),
        Rejection("person", 2, pseudonym("gus"), "unknown enterprise 'dune2'"),
    )


def test_items_for_an_unknown_site_are_refused(store: RegistryStore) -> None:
    from hub.registry import RegistryRefused

    with pytest.raises(RegistryRefused, match="import its site document first"):
        store.apply(RegistryImport("nowhere"))


def test_rows_count_from_the_header_as_a_spreadsheet_shows_them(tmp_path: Path) -> None:
    batch = read_csv("person", "pseudonym,type\n\nnot-hex,staff\n", SITE, None)
    assert [r.row for r in batch.rejected] == [3]
