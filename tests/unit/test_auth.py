"""Auth settings, roles, password hashing and bearer tokens, without a database."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from pydantic import ValidationError

from hub.access import Principal, checked_role, checked_sites
from hub.auth_settings import DEV_JWT_SECRET, AuthSettings
from hub.passwords import PasswordHasher
from hub.settings import load_hub_settings
from hub.tokens import InvalidToken, TokenIssuer

SECRET = "unit-test-secret-0123456789abcdef0123"


def test_the_development_secret_is_refused_outside_development() -> None:
    with pytest.raises(ValidationError, match="development secret"):
        AuthSettings()
    assert AuthSettings(environment="development").jwt_secret.get_secret_value() == DEV_JWT_SECRET
    assert AuthSettings(jwt_secret=SECRET).environment == "production"


def test_the_hub_settings_refuse_it_too_and_read_the_secret_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValidationError, match="development secret"):
        load_hub_settings(None)
    monkeypatch.setenv("SITEWATCH_HUB_AUTH__JWT_SECRET", SECRET)
    assert load_hub_settings(None).auth.jwt_secret.get_secret_value() == SECRET


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        AuthSettings(jwt_secret="short")


def test_roles_and_sites_are_checked() -> None:
    assert checked_role("police") == "police"
    with pytest.raises(ValueError, match="unknown role"):
        checked_role("janitor")
    assert checked_sites("property_manager", ["b", "a", "b"]) == ("a", "b")
    with pytest.raises(ValueError, match="at least one site"):
        checked_sites("property_manager", [])
    with pytest.raises(ValueError, match="property managers"):
        checked_sites("security", ["a"])


def test_only_a_property_manager_is_limited_to_sites() -> None:
    manager = Principal("pm", "property_manager", ("park-1",))
    assert manager.may_see_site("park-1") and not manager.may_see_site("park-2")
    assert Principal("guard", "security").may_see_site("park-2")


def test_passwords_hash_with_argon2id_and_check() -> None:
    hasher = PasswordHasher()
    stored = hasher.hash("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert hasher.check("correct horse battery staple", stored).ok
    assert not hasher.check("correct horse battery stapler", stored).ok
    assert not hasher.check("anything at all", "not-a-hash").ok
    with pytest.raises(ValueError, match="at least 12"):
        hasher.hash("short")


def test_a_token_names_its_user_until_it_expires() -> None:
    issuer = TokenIssuer(AuthSettings(jwt_secret=SECRET, token_ttl_s=600))
    principal = Principal("pm", "property_manager", ("park-1",))
    issued = issuer.issue(principal, datetime.now(UTC))
    assert issuer.subject(issued.token) == "pm"
    claims = orjson.loads(_b64(issued.token.split(".")[1]))
    assert (claims["role"], claims["sites"], claims["exp"] - claims["iat"]) == (
        "property_manager", ["park-1"], 600)
    expired = issuer.issue(principal, datetime.now(UTC) - timedelta(seconds=601))
    with pytest.raises(InvalidToken, match="expired"):
        issuer.subject(expired.token)


def test_a_token_from_another_key_or_unsigned_is_refused() -> None:
    issuer = TokenIssuer(AuthSettings(jwt_secret=SECRET))
    other = TokenIssuer(AuthSettings(jwt_secret="another-secret-0123456789abcdef0123"))
    forged = other.issue(Principal("x", "admin"), datetime.now(UTC)).token
    with pytest.raises(InvalidToken):
        issuer.subject(forged)
    header = _unb64(orjson.dumps({"alg": "none", "typ": "JWT"}))
    body = _unb64(orjson.dumps({"sub": "x", "iat": 0, "exp": 4_000_000_000}))
    with pytest.raises(InvalidToken):
        issuer.subject(f"{header}.{body}.")


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _unb64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
