"""User accounts in the ledger on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine, text

from hub.access import Principal
from hub.accounts import Accounts
from hub.ledger import Ledger
from hub.ledger.engine import create_ledger_engine
from hub.ledger.users_store import UserExists, UserStore
from hub.passwords import PasswordHasher

PASSWORD = "correct horse battery staple"
CREATED = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@pytest.fixture
def engine(ledger: Ledger, ledger_url: str) -> Iterator[Engine]:
    """An engine on the migrated ledger."""
    created = create_ledger_engine(ledger_url)
    yield created
    created.dispose()


@pytest.fixture
def accounts(engine: Engine) -> Accounts:
    """Accounts on the migrated ledger, with a fixed clock."""
    return Accounts(UserStore(engine), PasswordHasher(), clock=lambda: CREATED)


def test_a_user_signs_in_with_the_right_password_only(accounts: Accounts) -> None:
    accounts.create("pm-1", PASSWORD, "property_manager", ["park-2", "park-1"])
    expected = Principal("pm-1", "property_manager", ("park-1", "park-2"))
    assert accounts.authenticate("pm-1", PASSWORD) == expected
    assert accounts.authenticate("pm-1", PASSWORD + "!") is None
    assert accounts.authenticate("nobody", PASSWORD) is None
    assert accounts.active("pm-1") == expected


def test_passwords_are_stored_hashed(accounts: Accounts, engine: Engine) -> None:
    accounts.create("guard", PASSWORD, "security")
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert PASSWORD not in stored and stored.startswith("$argon2id$")


def test_a_disabled_user_is_neither_signed_in_nor_active(accounts: Accounts) -> None:
    accounts.create("guard", PASSWORD, "security")
    assert accounts.set_disabled("guard", True)
    assert accounts.authenticate("guard", PASSWORD) is None
    assert accounts.active("guard") is None
    assert accounts.set_disabled("guard", False)
    assert accounts.active("guard") == Principal("guard", "security")
    assert not accounts.set_disabled("nobody", True)


def test_names_are_unique_and_roles_and_sites_checked(accounts: Accounts) -> None:
    accounts.create("guard", PASSWORD, "security")
    with pytest.raises(UserExists):
        accounts.create("guard", PASSWORD, "police")
    with pytest.raises(ValueError, match="unknown role"):
        accounts.create("x", PASSWORD, "janitor")
    with pytest.raises(ValueError, match="at least one site"):
        accounts.create("x", PASSWORD, "property_manager")
    with pytest.raises(ValueError, match="user name"):
        accounts.create("no spaces", PASSWORD, "admin")
    assert [(u.username, u.role, u.created_at) for u in accounts.list()] == [
        ("guard", "security", CREATED)
    ]


def test_a_hash_with_old_parameters_is_upgraded_at_sign_in(
    accounts: Accounts, engine: Engine
) -> None:
    weak = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8192),)).hash(PASSWORD)
    accounts.create("guard", PASSWORD, "security")
    UserStore(engine).set_password_hash("guard", weak)
    assert accounts.authenticate("guard", PASSWORD) is not None
    upgraded = UserStore(engine).get("guard")
    assert upgraded is not None and upgraded.password_hash != weak
    assert accounts.authenticate("guard", PASSWORD) is not None
