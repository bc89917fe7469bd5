"""Occupancy kept current: counted from each commit, rebuilt from the ledger now and then.

Commits are counted as they come (on the ingest writer's thread: a few dict operations
per event). A rebuild replays the ledger's passages of each site's day, which brings in
what this replica did not see (hub replicas split the stream) and what happened before
it started. Passages committed while the rebuild reads are kept aside and replayed on
top of it unless the read already had them, so none is lost or counted twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from hub.records import EventRecord
from hub.registry.live import LiveRegistry
from hub.stats.occupancy import (
    OccupancyCounter,
    Passage,
    SiteOccupancy,
    SitePlan,
    passage_of,
    site_occupancy,
    site_plan,
)
from hub.timeseries.points import occupancy_line

PassageReader = Callable[[Mapping[str, SitePlan], datetime], list[Passage]]


class LiveOccupancy:
    """Occupancy of every registered site, safe to update and read from any thread."""

    def __init__(
        self, live: LiveRegistry, submit_points: Callable[[list[str]], None] | None = None
    ) -> None:
        self._live = live
        self._submit = submit_points
        self._lock = threading.Lock()
        self._counter = OccupancyCounter()
        self._pending: list[Passage] | None = None  # kept aside while a rebuild reads
        self._plans: Mapping[str, SitePlan] = {}
        self._revision: int | None = None

    def plans(self) -> Mapping[str, SitePlan]:
        """Each site's counting plan, remade when the registry's revision moves."""
        snapshot = self._live.current
        if snapshot.revision != self._revision:
            plans = {site: site_plan(lookup) for site, lookup in snapshot.sites.items()}
            # Two threads may both remake it; either result is the same snapshot's plans.
            self._plans, self._revision = plans, snapshot.revision
        return self._plans

    def record(self, records: Iterable[EventRecord]) -> None:
        """Count the passages of newly committed events; send changed counts as points."""
        passages = [p for r in records if (p := passage_of(r.event)) is not None]
        if not passages:
            return
        plans = self.plans()
        lines: list[str] = []
        with self._lock:
            if self._pending is not None:
                self._pending.extend(passages)
            for passage in passages:
                plan = plans.get(passage.site)
                changed = None if plan is None else self._counter.apply(plan, passage)
                if changed is not None and changed[0] is not None:
                    lines.append(occupancy_line(passage.site, changed[0], changed[1], passage.ts))
        if lines and self._submit is not None:
            self._submit(lines)

    def rebuild(self, read: PassageReader, now: datetime) -> None:
        """Recount from the ledger's passages of each site's day (`read`), then the pending."""
        plans = self.plans()
        with self._lock:
            self._pending = []
        try:
            passages = read(plans, now)
        except BaseException:
            with self._lock:
                self._pending = None
            raise
        counter = OccupancyCounter()
        counter.apply_all(plans, passages)
        seen = {p.id for p in passages}
        with self._lock:
            pending, self._pending = self._pending or [], None
            counter.apply_all(plans, [p for p in pending if p.id not in seen])
            self._counter = counter

    def now(self, now: datetime, sites: Iterable[str] | None = None) -> list[SiteOccupancy]:
        """Occupancy of the given sites (default: all registered), by site id."""
        plans = self.plans()
        wanted = sorted(plans if sites is None else set(sites) & set(plans))
        with self._lock:
            return [site_occupancy(plans[s], self._counter.counts(plans[s], now)) for s in wanted]
