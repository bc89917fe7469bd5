"""Password hashing with Argon2id through pwdlib: the only module that imports it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError

MIN_PASSWORD_LENGTH = 12


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    """Whether a password matched, and a fresh hash when the stored one is outdated."""

    ok: bool
    new_hash: str | None = None


class PasswordHasher:
    """Hashes and checks passwords; Argon2id with pwdlib's recommended parameters."""

    def __init__(self) -> None:
        self._hash = PasswordHash.recommended()

    def hash(self, password: str) -> str:
        """The encoded Argon2id hash of `password` (salt and parameters included)."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
        return self._hash.hash(password)

    def check(self, password: str, stored_hash: str) -> PasswordCheck:
        """Compare `password` with a stored hash; an unreadable hash never matches."""
        try:
            ok, new_hash = self._hash.verify_and_update(password, stored_hash)
        except UnknownHashError:
            return PasswordCheck(False)
        return PasswordCheck(ok, new_hash if ok else None)

    def check_nobody(self, password: str) -> None:
        """Spend the time a real check takes, so a missing user cannot be told by timing."""
        self._hash.verify(password, self._dummy_hash)

    @cached_property
    def _dummy_hash(self) -> str:
        return self._hash.hash("no user has this password; it only costs time")
