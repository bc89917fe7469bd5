"""Response schemas of sign-in and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from hub.access import Principal, Role
from hub.audit import AuditRecord, ChainVerdict


class TokenOut(BaseModel):
    """A bearer token (OAuth2 password flow)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


class MeOut(BaseModel):
    """The signed-in user."""

    username: str
    role: Role
    sites: list[str] = Field(description="the sites a property manager sees; empty for others")

    @classmethod
    def of(cls, principal: Principal) -> MeOut:
        """From the signed-in principal."""
        return cls(username=principal.username, role=principal.role, sites=list(principal.sites))


class AuditEntryOut(BaseModel):
    """One audit entry with its place in the hash chain."""

    id: int
    ts: datetime
    actor: str
    role: str
    action: str = Field(description="e.g. events.search, event.view, media.view, access.denied")
    target: str | None
    detail: dict[str, Any] = Field(description="the query or parameters of the action")
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, record: AuditRecord) -> AuditEntryOut:
        """From the stored record."""
        return cls(
            id=record.id, ts=record.ts, actor=record.actor, role=record.role,
            action=record.action, target=record.target, detail=record.detail,
            prev_hash=record.prev_hash, hash=record.hash,
        )


class AuditPageOut(BaseModel):
    """Audit entries, newest first."""

    items: list[AuditEntryOut]
    next_before: int | None = Field(description="pass as `before` for the next page")


class AuditVerifyOut(BaseModel):
    """Whether the audit chain is intact, or its first bad entry and why."""

    ok: bool
    entries: int = Field(description="entries found intact before the first bad one")
    first_bad: int | None = Field(description="id of the first bad (or missing) entry")
    reason: str

    @classmethod
    def of(cls, verdict: ChainVerdict) -> AuditVerifyOut:
        """From the chain's verdict."""
        return cls(ok=verdict.ok, entries=verdict.entries, first_bad=verdict.first_bad,
                   reason=verdict.reason)
