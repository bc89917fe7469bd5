"""Dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hub.ledger import Ledger


def get_ledger(request: Request) -> Ledger:
    """The ledger the app was built with."""
    ledger: Ledger = request.app.state.hub.ledger
    return ledger


LedgerDep = Annotated[Ledger, Depends(get_ledger)]
