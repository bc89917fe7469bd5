"""Settings of the hub's sign-in: the token secret and lifetime, refused if left at the default."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

# Only good for a laptop: every developer has it, so a token signed with it proves nothing.
DEV_JWT_SECRET = "sitewatch-development-jwt-secret-do-not-deploy"


class AuthSettings(BaseModel):
    """How the API signs and checks bearer tokens (JWT, HS256)."""

    model_config = ConfigDict(extra="forbid")

    environment: Literal["development", "production"] = Field(
        "production", description="'development' allows the built-in token secret"
    )
    jwt_secret: SecretStr = Field(
        SecretStr(DEV_JWT_SECRET),
        # HS256 wants a key at least as long as its 256-bit output (RFC 7518 §3.2).
        min_length=32,
        description="HMAC key that signs bearer tokens; shared by every hub replica",
    )
    token_ttl_s: int = Field(
        8 * 3600,
        ge=60,
        le=7 * 24 * 3600,
        description="how long a token is valid: a guard's shift by default",
    )

    @model_validator(mode="after")
    def _no_dev_secret_in_production(self) -> AuthSettings:
        secret = self.jwt_secret.get_secret_value()
        if self.environment != "development" and secret == DEV_JWT_SECRET:
            raise ValueError(
                "auth.jwt_secret is the built-in development secret; set "
                "SITEWATCH_HUB_AUTH__JWT_SECRET (or auth.environment: development on a laptop)"
            )
        return self
