"""The hub's users in the ledger database; it stores password hashes, never passwords."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, select, update
from sqlalchemy.exc import IntegrityError

from hub.access import Role, checked_role
from hub.ledger.engine import WRITE_OPTION
from hub.ledger.schema_access import users


class UserExists(ValueError):
    """A user with that name is already registered."""


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A user as stored."""

    username: str
    password_hash: str
    role: Role
    sites: tuple[str, ...]
    disabled: bool
    created_at: datetime


class UserStore:
    """Reads and writes the `users` table."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE_OPTION: True})

    def add(self, user: UserRecord) -> None:
        """Register a new user; UserExists if the name is taken."""
        try:
            with self._writer.begin() as connection:
                connection.execute(
                    users.insert().values(
                        username=user.username, password_hash=user.password_hash,
                        role=user.role, sites=list(user.sites), disabled=user.disabled,
                        created_at=user.created_at,
                    )
                )
        except IntegrityError:
            raise UserExists(f"user {user.username!r} exists") from None

    def get(self, username: str) -> UserRecord | None:
        """The user with this name, or None."""
        with self._engine.begin() as connection:
            row = connection.execute(select(users).where(users.c.username == username)).first()
        return None if row is None else _record(row)

    def list(self) -> list[UserRecord]:
        """Every user, by name."""
        with self._engine.begin() as connection:
            rows = connection.execute(select(users).order_by(users.c.username))
            return [_record(row) for row in rows]

    def set_disabled(self, username: str, disabled: bool) -> bool:
        """Disable (or enable) a user; False if there is no such user."""
        return self._update(username, disabled=disabled)

    def set_password_hash(self, username: str, password_hash: str) -> bool:
        """Replace a user's password hash; False if there is no such user."""
        return self._update(username, password_hash=password_hash)

    def _update(self, username: str, **values: Any) -> bool:
        with self._writer.begin() as connection:
            result = connection.execute(
                update(users).where(users.c.username == username).values(**values)
            )
        return result.rowcount == 1


def _record(row: Row[Any]) -> UserRecord:
    return UserRecord(
        username=row.username, password_hash=row.password_hash, role=checked_role(row.role),
        sites=tuple(row.sites), disabled=row.disabled, created_at=row.created_at,
    )
