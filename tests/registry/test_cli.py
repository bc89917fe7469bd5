"""`sitewatch registry import/export`: round trips through every format, and the report."""

from __future__ import annotations

import csv
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from hub.registry import RegistryStore
from sitewatch.cli import app
from sitewatch.protocol import pseudonymise
from sitewatch.registry import Person
from tests.registry.conftest import SITE, uscc

runner = CliRunner()


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["registry", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("fmt", ["json", "yaml", "csv"])
def test_export_then_import_into_a_new_ledger_gives_the_same_registry(
    loaded: RegistryStore, ledger_url: str, tmp_path: Path, fmt: str
) -> None:
    exported = tmp_path / ("out" if fmt == "csv" else f"site.{fmt}")
    code, _, err = _run(
        "export", "--ledger", ledger_url, "--format", fmt, "--output", str(exported)
    )
    assert code == 0, err
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    if fmt == "csv":
        # CSV holds the tenants; the site's structure comes as a document first.
        _run("export", "--ledger", ledger_url, "--format", "json",
             "--output", str(tmp_path / "site.json"))
        document = orjson.loads((tmp_path / "site.json").read_bytes())
        bare = {k: v for k, v in document.items() if k not in ("persons", "credentials")}
        bare["enterprises"] = []
        (tmp_path / "structure.json").write_bytes(orjson.dumps(bare))
        files = ["structure.json", "out/enterprises.csv", "out/persons.csv", "out/credentials.csv"]
    else:
        files = [exported.name]
    for name in files:
        code, _, err = _run("import", str(tmp_path / name), "--ledger", target)
        assert code == 0, err
    copy = RegistryStore.open(target)
    try:
        assert copy.document(SITE) == loaded.document(SITE)
    finally:
        copy.close()


def test_import_reports_rejections_on_stderr_and_in_a_csv_and_exits_1(
    loaded: RegistryStore, ledger_url: str, tmp_path: Path
) -> None:
    key = "cli-site-key-0123456789abcdef"
    persons = tmp_path / "persons.csv"
    persons.write_text(
        "id_number,enterprise,type\n11010519491231002X,acme,employee\nnot-an-id,acme,visitor\n"
    )
    rejects = tmp_path / "rejects.csv"
    code, out, err = _run(
        "import", str(persons), "--ledger", ledger_url, "--rejects", str(rejects),
        env={"SITEWATCH_HUB_SITE_KEYS": orjson.dumps({SITE: key}).decode()},
    )
    assert code == 1
    assert "imported into harbour-park: 0 enterprises, 1 persons, 0 credentials" in out
    assert "1 rows rejected" in err and "not a resident ID number" in err
    with rejects.open(encoding="utf-8") as rows:
        assert list(csv.reader(rows)) == [
            ["kind", "row", "key", "reason"],
            ["person", "3", "", "id_number is not a resident ID number (18 characters, GB 11643)"],
        ]
    stored = pseudonymise(key.encode(), "11010519491231002X")
    assert loaded.get(Person, SITE, stored) is not None
    assert "not-an-id" not in rejects.read_text() and "11010519491231002X" not in err


def test_a_file_that_is_no_registry_is_refused_with_status_2(
    loaded: RegistryStore, ledger_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "enterprises.csv"
    bad.write_text(f"id,name,uscc,building,floor,phone\nx,X,{uscc(1)},north,1,123\n")
    code, _, err = _run("import", str(bad), "--ledger", ledger_url)
    assert code == 2 and "unknown column phone" in err
    site = tmp_path / "site.yaml"
    site.write_text("site: {id: harbour-park, name: H, timezone: Nowhere/Land}\n")
    code, _, err = _run("import", str(site), "--ledger", ledger_url)
    assert code == 2 and "unknown time zone" in err
    document = loaded.document(SITE)  # untouched by the refused file
    assert document is not None and document.site.name == "Harbour Park"
