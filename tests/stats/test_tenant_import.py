"""Tenant records from CSV files through `sitewatch registry import`: rows rejected with their
reasons, the rest stored, re-imports updating by natural key."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.registry.readers import FileRefused
from hub.stats.tenant_import import read_tenant_csv
from sitewatch.cli import app
from tests.stats.conftest import World
from tests.stats.factory import SITE

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    """`sitewatch registry …`: exit status, stdout, stderr."""
    result = runner.invoke(app, ["registry", *args])
    return result.exit_code, result.stdout, result.stderr


def test_rent_rows_are_imported_or_rejected_one_by_one(world: World, tmp_path: Path) -> None:
    rent = tmp_path / "rent.csv"
    rent.write_text(
        "enterprise,due_date,amount,paid_date\n"
        "acme,2026-08-01,12000.50,\n"  # row 2: unpaid
        "blue,2026-08-01,8000,2026-08-03\n"  # row 3
        "nowhere,2026-08-01,100,\n"  # row 4: unknown enterprise
        "acme,2026-08-01,12000.50,\n"  # row 5: the same payment again
        "acme,1 August,100,\n"  # row 6: not a date
        "blue,2026-09-01,-5,\n",  # row 7: negative
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.csv"
    # The kind is told by the columns: no --kind needed.
    code, out, err = run("import", str(rent), "--ledger", world.url, "--rejects", str(rejects))
    assert code == 1, err
    assert "imported into harbour-park: 2 rent" in out
    assert "4 rows rejected" in err
    with rejects.open(encoding="utf-8") as rows:
        found = list(csv.reader(rows))
    assert found[0] == ["kind", "row", "key", "reason"]
    assert [(r[1], r[2]) for r in found[1:]] == [
        ("4", "nowhere/2026-08-01"), ("5", "acme/2026-08-01"), ("6", "acme"), ("7", "blue")]
    assert found[1][3] == "unknown enterprise 'nowhere'" and found[2][3] == "duplicate of row 2"
    assert found[3][3].startswith("due_date: ") and found[4][3].startswith("amount: ")

    acme = world.stats.tenants.records(SITE, "acme")
    assert [(p.due_date, p.amount, p.paid_date) for p in acme.rent] == [
        (date(2026, 8, 1), Decimal("12000.50"), None)]

    rent.write_text("enterprise,due_date,amount,paid_date\nacme,2026-08-01,12000.50,2026-09-09\n")
    assert run("import", str(rent), "--ledger", world.url)[0] == 0
    [paid] = world.stats.tenants.records(SITE, "acme").rent
    assert paid.paid_date == date(2026, 9, 9)


def test_complaints_and_disputes_import_by_their_ids(world: World, tmp_path: Path) -> None:
    complaints = tmp_path / "complaints.csv"
    complaints.write_text(
        "id,enterprise,received_on,category,summary,closed_on\n"
        "c-1,acme,2026-11-01,noise,Drilling at night,\n"
        "c-2,acme,2026-11-02,Not A Slug,,\n"
        "c-3,blue,2026-11-05,safety,,2026-11-01\n"
    )
    code, out, err = run("import", str(complaints), "--ledger", world.url,
                         "--kind", "complaints")
    assert code == 1 and "1 complaints" in out
    assert "category" in err and "closed_on precedes received_on" in err
    disputes = tmp_path / "disputes.csv"
    disputes.write_text("id,enterprise,opened_on,kind\nd-1,blue,2026-10-01,labour\n")
    assert run("import", str(disputes), "--ledger", world.url)[0] == 0
    records = world.stats.tenants.site_records(SITE)
    assert [c.id for c in records["acme"].complaints] == ["c-1"]
    assert [(d.id, d.kind) for d in records["blue"].disputes] == [("d-1", "labour")]


def test_a_file_with_wrong_columns_or_for_no_site_is_refused_with_status_2(
    world: World, tmp_path: Path
) -> None:
    bad = tmp_path / "rent.csv"
    bad.write_text("enterprise,due_date,amount,iban\nacme,2026-08-01,1,DE00\n")
    code, _, err = run("import", str(bad), "--ledger", world.url, "--kind", "rent")
    assert code == 2 and "unknown column iban" in err
    good = tmp_path / "good.csv"
    good.write_text("enterprise,due_date,amount\nacme,2026-08-01,1\n")
    code, _, err = run("import", str(good), "--ledger", world.url, "--site", "nowhere")
    assert code == 2 and "no site 'nowhere'" in err
    assert world.stats.tenants.site_records(SITE) == {}
    with pytest.raises(FileRefused, match="needs the column amount"):
        read_tenant_csv("rent", "enterprise,due_date\n", SITE)
