"""Sign-in: a bearer token for a user name and password, and who the token belongs to."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordRequestForm

from hub.api.deps import AccountsDep, AuditLogDep, CurrentUser, TokensDep, unauthorized
from hub.api.schemas_access import MeOut, TokenOut
from hub.audit import AuditEntry

router = APIRouter(tags=["auth"])
log = logging.getLogger(__name__)


@router.post("/auth/token", response_model=TokenOut)
async def issue_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    accounts: AccountsDep,
    tokens: TokensDep,
    audit: AuditLogDep,
) -> TokenOut:
    """Exchange a user name and password (form fields) for a bearer token."""
    principal = await run_in_threadpool(accounts.authenticate, form.username, form.password)
    if principal is None:
        # Logged, not audited: anyone can fail a sign-in, and the chain is not theirs to fill.
        log.warning("failed sign-in for user %r", form.username[:64])
        raise unauthorized("incorrect user name or password")
    issued = tokens.issue(principal, datetime.now(UTC))
    await run_in_threadpool(
        audit.append, AuditEntry(principal.username, principal.role, "auth.login")
    )
    return TokenOut(access_token=issued.token, expires_in=issued.ttl_s)


@router.get("/auth/me", response_model=MeOut)
async def me(user: CurrentUser) -> MeOut:
    """The signed-in user: name, role and (for a property manager) sites."""
    return MeOut.of(user)
