"""Bearer tokens: JWTs signed with HS256 through PyJWT, the only module that imports it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from hub.access import Principal
from hub.auth_settings import AuthSettings

ALGORITHM = "HS256"


class InvalidToken(Exception):
    """The token is malformed, forged, expired or lacks a claim."""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A signed token and when it stops being valid."""

    token: str
    expires_at: datetime
    ttl_s: int


class TokenIssuer:
    """Signs tokens for signed-in users and reads them back."""

    def __init__(self, settings: AuthSettings) -> None:
        self._key = settings.jwt_secret.get_secret_value()
        self._ttl_s = settings.token_ttl_s

    def issue(self, principal: Principal, now: datetime) -> IssuedToken:
        """A token for `principal`, valid from `now` for the configured lifetime."""
        expires_at = now + timedelta(seconds=self._ttl_s)
        claims = {
            "sub": principal.username,
            "role": principal.role,
            "sites": list(principal.sites),
            "iat": now,
            "exp": expires_at,
        }
        return IssuedToken(jwt.encode(claims, self._key, algorithm=ALGORITHM), expires_at,
                           self._ttl_s)

    def subject(self, token: str) -> str:
        """The user name a valid token was issued to; InvalidToken otherwise."""
        try:
            # Pinning the algorithm refuses "alg: none" and keys used as another algorithm.
            claims = jwt.decode(
                token, self._key, algorithms=[ALGORITHM],
                options={"require": ["sub", "exp", "iat"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject:
            raise InvalidToken("the token names no user")
        return subject
