"""Dependencies shared by the routes: collaborators, the signed-in user, the audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, NoReturn

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer

from hub.access import Principal
from hub.accounts import Accounts
from hub.api.route_rules import RouteRules
from hub.audit import AuditEntry
from hub.ledger import Ledger
from hub.ledger.audit_store import AuditLog
from hub.tokens import InvalidToken, TokenIssuer

if TYPE_CHECKING:
    from hub.api.app import HubState

TOKEN_URL = "/api/v1/auth/token"

# auto_error off: open routes run this too, and a missing token is for `authorize` to judge.
_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
BearerToken = Annotated[str | None, Depends(_bearer)]


def hub_state(request: Request) -> HubState:
    """The collaborators the app was built with."""
    state: HubState = request.app.state.hub
    return state


def get_ledger(request: Request) -> Ledger:
    """The ledger the app was built with."""
    return hub_state(request).ledger


def get_accounts(request: Request) -> Accounts:
    """The hub's user accounts."""
    return hub_state(request).accounts


def get_tokens(request: Request) -> TokenIssuer:
    """What signs and reads bearer tokens."""
    return hub_state(request).tokens


def get_audit_log(request: Request) -> AuditLog:
    """The hash-chained audit log."""
    return hub_state(request).audit


LedgerDep = Annotated[Ledger, Depends(get_ledger)]
AccountsDep = Annotated[Accounts, Depends(get_accounts)]
TokensDep = Annotated[TokenIssuer, Depends(get_tokens)]
AuditLogDep = Annotated[AuditLog, Depends(get_audit_log)]


def unauthorized(detail: str) -> HTTPException:
    """A 401 that tells the client to sign in with a bearer token."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


async def _signed_in(request: Request, token: str | None) -> Principal:
    """The user behind the request's token, looked up once per request."""
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:
        return known
    if token is None:
        raise unauthorized("not signed in")
    try:
        username = hub_state(request).tokens.subject(token)
    except InvalidToken:
        raise unauthorized("invalid or expired token") from None
    # Read from the ledger on every request, not trusted from the token: disabling a user
    # or changing their role or sites takes effect at once, not when the token expires.
    principal = await run_in_threadpool(hub_state(request).accounts.active, username)
    if principal is None:
        raise unauthorized("unknown or disabled user")
    request.state.principal = principal
    return principal


async def current_user(request: Request, token: BearerToken) -> Principal:
    """The signed-in user; 401 without a valid token."""
    return await _signed_in(request, token)


CurrentUser = Annotated[Principal, Depends(current_user)]


class AuditTrail:
    """Records what the signed-in user does, in the audit log, before the answer leaves."""

    def __init__(self, log: AuditLog, principal: Principal) -> None:
        self.log = log
        self.principal = principal

    async def record(self, action: str, target: str | None = None, /, **detail: Any) -> None:
        """Append an entry; if that fails the request fails, so nothing is seen unrecorded."""
        entry = AuditEntry(self.principal.username, self.principal.role, action, target, detail)
        await run_in_threadpool(self.log.append, entry)

    async def deny(self, reason: str, target: str | None = None, /, **detail: Any) -> NoReturn:
        """Record a refused access, then answer 403."""
        await self.record("access.denied", target, reason=reason, **detail)
        raise HTTPException(status.HTTP_403_FORBIDDEN, reason)


def audit_trail(request: Request, user: CurrentUser) -> AuditTrail:
    """The audit trail of the signed-in user."""
    return AuditTrail(hub_state(request).audit, user)


AuditTrailDep = Annotated[AuditTrail, Depends(audit_trail)]


async def authorize(request: Request, token: BearerToken) -> None:
    """Apply hub.api.policy to the matched route: 401 without a user, 403 for a wrong role."""
    rules: RouteRules = request.app.state.route_rules
    rule = rules.for_route(request.method, request.scope.get("route"))
    if rule is None:  # a route nobody wrote a rule for is nobody's
        raise HTTPException(status.HTTP_403_FORBIDDEN, "no access rule for this route")
    if rule.allowed is None:
        return
    principal = await _signed_in(request, token)
    if principal.role not in rule.allowed:
        trail = AuditTrail(hub_state(request).audit, principal)
        reason = f"role {principal.role} may not {rule.method} {rule.path}"
        await trail.deny(reason, request.url.path)
