"""`sitewatch users`: add, list and disable the hub's API users.

The hub's libraries are imported inside the commands, so `sitewatch` on a gateway (agent
extra only) still starts.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from hub.accounts import Accounts
    from hub.ledger.audit_store import AuditLog

users_app = typer.Typer(help="Users of the hub's API and their roles.", no_args_is_help=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", exists=True, dir_okay=False, help="hub YAML settings file"),
]
LedgerUrlOption = Annotated[
    str | None,
    typer.Option(
        envvar="SITEWATCH_HUB_LEDGER_URL", help="ledger database URL (instead of --config)"
    ),
]


@dataclass
class _Ledger:
    accounts: Accounts
    audit: AuditLog


@contextmanager
def _opened(config: Path | None, ledger_url: str | None) -> Iterator[_Ledger]:
    """The accounts and audit log of the hub's ledger, migrated to the newest schema."""
    from hub.accounts import Accounts
    from hub.ledger import Ledger
    from hub.ledger.audit_store import AuditLog
    from hub.ledger.engine import create_ledger_engine
    from hub.ledger.users_store import UserStore
    from hub.passwords import PasswordHasher
    from hub.settings import load_hub_settings

    if ledger_url is None:
        if config is None:
            raise typer.BadParameter("give --config (the hub's settings) or --ledger-url")
        ledger_url = load_hub_settings(config).ledger_url
    engine = create_ledger_engine(ledger_url)
    try:
        Ledger(engine).migrate()  # what the hub does at every start; a no-op when current
        yield _Ledger(Accounts(UserStore(engine), PasswordHasher()), AuditLog(engine))
    finally:
        engine.dispose()


def _record(ledger: _Ledger, action: str, target: str, **detail: object) -> None:
    """Audit a change made from the command line, under the operating-system user."""
    from hub.audit import AuditEntry

    try:
        who = getpass.getuser()
    except OSError:  # no login name and no passwd entry, e.g. an arbitrary container uid
        who = "unknown"
    ledger.audit.append(AuditEntry(f"cli:{who}", "cli", action, target, detail))


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="user name")],
    role: Annotated[
        str, typer.Option(help="security, property_manager, police or admin")
    ],
    site: Annotated[
        list[str] | None, typer.Option(help="a site a property manager sees (repeatable)")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
    config: ConfigOption = None,
    ledger_url: LedgerUrlOption = None,
) -> None:
    """Add a user; the password is asked for (twice) unless --password-stdin."""
    from hub.ledger.users_store import UserExists

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _opened(config, ledger_url) as ledger:
        try:
            user = ledger.accounts.create(name, password, role, site or ())
        except (UserExists, ValueError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        _record(ledger, "user.add", user.username, role=user.role, sites=list(user.sites))
    typer.echo(f"added {user.username} ({user.role})")


@users_app.command("list")
def list_users(config: ConfigOption = None, ledger_url: LedgerUrlOption = None) -> None:
    """List every user: name, role, sites, whether disabled, when created."""
    with _opened(config, ledger_url) as ledger:
        users = ledger.accounts.list()
    for user in users:
        state = "disabled" if user.disabled else "active"
        sites = ",".join(user.sites) or "-"
        typer.echo(
            f"{user.username}\t{user.role}\t{sites}\t{state}\t{user.created_at.isoformat()}"
        )


@users_app.command("disable")
def disable(
    name: Annotated[str, typer.Argument(help="user name")],
    enable: Annotated[bool, typer.Option("--enable", help="enable the user again")] = False,
    config: ConfigOption = None,
    ledger_url: LedgerUrlOption = None,
) -> None:
    """Disable a user (their tokens stop working at once), or enable them again."""
    with _opened(config, ledger_url) as ledger:
        if not ledger.accounts.set_disabled(name, not enable):
            typer.echo(f"error: no user {name!r}", err=True)
            raise typer.Exit(1)
        _record(ledger, "user.enable" if enable else "user.disable", name)
    typer.echo(f"{'enabled' if enable else 'disabled'} {name}")
