"""Users and bearer tokens for tests that call the hub's API."""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from hub.accounts import Accounts
from hub.ledger.engine import create_ledger_engine
from hub.ledger.users_store import UserStore
from hub.passwords import PasswordHasher

# A production-mode auth section with a secret of the tests' own (not the development one).
TEST_AUTH = {"jwt_secret": "tests-only-jwt-secret-0123456789abcdef"}
PASSWORD = "correct horse battery staple"


def add_user(
    ledger_url: str, username: str, role: str, sites: Iterable[str] = (), password: str = PASSWORD
) -> None:
    """Register a user straight in a migrated ledger, as `sitewatch users add` does."""
    engine = create_ledger_engine(ledger_url)
    try:
        Accounts(UserStore(engine), PasswordHasher()).create(username, password, role, sites)
    finally:
        engine.dispose()


def token_headers(client: httpx.Client, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Sign in through the API; the Authorization header that carries the token."""
    response = client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def sign_in_admin(client: httpx.Client, ledger_url: str, username: str = "test-admin") -> None:
    """Create an admin in the ledger and make every later request of `client` carry its token."""
    add_user(ledger_url, username, "admin")
    client.headers.update(token_headers(client, username))
