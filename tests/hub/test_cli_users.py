"""`sitewatch users` against a real ledger (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from hub.access import Principal
from hub.accounts import Accounts
from hub.ledger.audit_store import AuditLog
from hub.ledger.engine import create_ledger_engine
from hub.ledger.users_store import UserStore
from hub.passwords import PasswordHasher
from sitewatch.cli import app
from tests.support.auth import PASSWORD, TEST_AUTH

runner = CliRunner()


def users(*args: str, stdin: str | None = None) -> tuple[int, str]:
    """Run `sitewatch users …`; (exit code, output)."""
    result = runner.invoke(app, ["users", *args], input=stdin)
    return result.exit_code, result.output


def test_add_list_and_disable_users(ledger_url: str) -> None:
    code, out = users("add", "pm-1", "--role", "property_manager", "--site", "park-2",
                      "--site", "park-1", "--password-stdin", "--ledger-url", ledger_url,
                      stdin=PASSWORD + "\n")
    assert (code, out.strip()) == (0, "added pm-1 (property_manager)")
    code, out = users("add", "guard", "--role", "security", "--ledger-url", ledger_url,
                      stdin=f"{PASSWORD}\n{PASSWORD}\n")  # asked for twice
    assert code == 0, out
    code, out = users("disable", "guard", "--ledger-url", ledger_url)
    assert code == 0, out

    code, out = users("list", "--ledger-url", ledger_url)
    rows = [line.split("\t")[:4] for line in out.strip().splitlines()]
    assert (code, rows) == (0, [["guard", "security", "-", "disabled"],
                                ["pm-1", "property_manager", "park-1,park-2", "active"]])
    engine = create_ledger_engine(ledger_url)
    try:
        accounts = Accounts(UserStore(engine), PasswordHasher())
        assert accounts.authenticate("pm-1", PASSWORD) == Principal(
            "pm-1", "property_manager", ("park-1", "park-2"))
        assert accounts.authenticate("guard", PASSWORD) is None
        changes = [(r.action, r.target, r.role) for r in AuditLog(engine).page()]
        assert changes == [("user.disable", "guard", "cli"), ("user.add", "guard", "cli"),
                           ("user.add", "pm-1", "cli")]
    finally:
        engine.dispose()


def test_bad_users_are_refused_with_a_reason(ledger_url: str) -> None:
    add = ("add", "x", "--password-stdin", "--ledger-url", ledger_url)
    assert users(*add, "--role", "janitor", stdin=PASSWORD) == (
        1, "error: unknown role 'janitor': use one of security, property_manager, police, "
        "admin\n")
    code, out = users(*add, "--role", "property_manager", stdin=PASSWORD)
    assert (code, "at least one site" in out) == (1, True)
    code, out = users(*add, "--role", "admin", stdin="short")
    assert (code, "at least 12 characters" in out) == (1, True)
    assert users(*add, "--role", "admin", stdin=PASSWORD)[0] == 0
    code, out = users(*add, "--role", "admin", stdin=PASSWORD)
    assert (code, out) == (1, "error: user 'x' exists\n")
    assert users("disable", "nobody", "--ledger-url", ledger_url) == (
        1, "error: no user 'nobody'\n")


def test_the_ledger_can_come_from_the_hub_settings_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    config = tmp_path / "hub.yaml"
    config.write_text(yaml.safe_dump({"ledger_url": url, "auth": TEST_AUTH}))
    code, out = users("add", "root", "--role", "admin", "--password-stdin", "--config",
                      str(config), stdin=PASSWORD)
    assert code == 0, out
    assert users("list", "--ledger-url", url)[1].startswith("root\tadmin\t-\tactive\t")
    code, out = users("list")
    assert code == 2 and "--config" in out
