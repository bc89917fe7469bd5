"""The hub's API app on a real ledger, without broker or ingest, for access tests."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hub.accounts import Accounts
from hub.api import HubState, create_app
from hub.auth_settings import AuthSettings
from hub.ledger import Ledger
from hub.ledger.audit_store import AuditLog
from hub.ledger.engine import create_ledger_engine
from hub.ledger.users_store import UserStore
from hub.passwords import PasswordHasher
from hub.tokens import TokenIssuer
from tests.support.auth import TEST_AUTH, add_user, token_headers


@dataclass
class ApiUnderTest:
    """The app, a client without credentials, and the ledger behind them."""

    client: TestClient
    state: HubState
    engine: Engine
    ledger_url: str

    def sign_in(self, username: str, role: str, sites: Iterable[str] = ()) -> dict[str, str]:
        """Create a user of `role` and return the header carrying their token."""
        add_user(self.ledger_url, username, role, sites)
        return token_headers(self.client, username)


@contextmanager
def serve_api(ledger_url: str) -> Iterator[ApiUnderTest]:
    """The API wired as build_hub wires it, on a freshly migrated ledger."""
    engine = create_ledger_engine(ledger_url)
    ledger = Ledger(engine)
    ledger.migrate()
    state = HubState(
        ledger=ledger,
        accounts=Accounts(UserStore(engine), PasswordHasher()),
        tokens=TokenIssuer(AuthSettings.model_validate(TEST_AUTH)),
        audit=AuditLog(engine),
    )
    try:
        with TestClient(create_app(state)) as client:
            yield ApiUnderTest(client, state, engine, ledger_url)
    finally:
        ledger.close()
