"""Uptime from a history of state changes, or from samples (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime


def state_uptime(
    changes: Sequence[tuple[datetime, str]], start: datetime, end: datetime
) -> float | None:
    """Share of [start, end) spent `online`, from changes sorted by time.

    The last change before `start` says the state at `start`; before the first known
    state the time is unknown and left out of the share. None if no time is known.
    """
    state: str | None = None
    since = start
    known = online = 0.0
    for at, new_state in changes:
        if at >= end:
            break
        if at > start and state is not None:
            span = (at - since).total_seconds()
            known += span
            online += span if state == "online" else 0.0
        state, since = new_state, max(at, start)
    if state is not None:
        span = (end - since).total_seconds()
        known += span
        online += span if state == "online" else 0.0
    return online / known if known > 0 else None


def sample_uptime(samples: Iterable[bool]) -> float | None:
    """Share of samples that were online; None without samples."""
    values = list(samples)
    return sum(values) / len(values) if values else None
