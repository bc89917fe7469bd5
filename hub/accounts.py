"""The hub's user accounts: create them, check their passwords, find who is signed in."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from hub.access import Principal, checked_role, checked_sites
from hub.ledger.users_store import UserRecord, UserStore
from hub.passwords import PasswordHasher

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@\-]{0,63}$"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Accounts:
    """Users backed by the ledger's `users` table and Argon2id password hashes."""

    def __init__(
        self, store: UserStore, hasher: PasswordHasher, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self._store = store
        self._hasher = hasher
        self._clock = clock

    def create(
        self, username: str, password: str, role: str, sites: Iterable[str] = ()
    ) -> UserRecord:
        """Register a user; ValueError for a bad name, role, site list or short password."""
        if not re.fullmatch(USERNAME_PATTERN, username):
            raise ValueError(f"user name {username!r}: letters, digits and _.@- (up to 64)")
        checked = checked_role(role)
        user = UserRecord(
            username=username, password_hash=self._hasher.hash(password), role=checked,
            sites=checked_sites(checked, sites), disabled=False, created_at=self._clock(),
        )
        self._store.add(user)
        return user

    def authenticate(self, username: str, password: str) -> Principal | None:
        """The principal if the name and password match an enabled user; None otherwise."""
        user = self._store.get(username)
        if user is None:
            self._hasher.check_nobody(password)
            return None
        check = self._hasher.check(password, user.password_hash)
        if not check.ok or user.disabled:
            return None
        if check.new_hash is not None:  # hashed with older parameters: upgrade it now
            self._store.set_password_hash(username, check.new_hash)
        return _principal(user)

    def active(self, username: str) -> Principal | None:
        """The enabled user of this name as they are now (role and sites), or None."""
        user = self._store.get(username)
        return None if user is None or user.disabled else _principal(user)

    def list(self) -> list[UserRecord]:
        """Every user, by name."""
        return self._store.list()

    def set_disabled(self, username: str, disabled: bool) -> bool:
        """Disable or enable a user; False if there is no such user."""
        return self._store.set_disabled(username, disabled)


def _principal(user: UserRecord) -> Principal:
    return Principal(user.username, user.role, user.sites)
