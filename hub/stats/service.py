"""The stats service: derived figures kept current behind the ledger.

`committed()` runs on the ingest writer's thread: it counts occupancy at once (a few
dict operations per event) and queues statuses and camera samples. The worker thread
(`run`) writes those, recounts occupancy from the ledger every `occupancy_rebuild_s`,
and every `recompute_s` recomputes each site's daily enterprise figures for today with
SQL over the ledger and reassesses the stability colours. The API reads through here.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from hub.access import Principal
from hub.audit import AuditEntry
from hub.ledger.audit_store import AuditLog
from hub.ports import CommitListener, Committed
from hub.records import HealthRecord, StatusRecord
from hub.registry.live import LiveRegistry
from hub.rules.context import BusinessHours
from hub.rules.model import Colour
from hub.stats.colour_store import ColourRecord, ColourStore
from hub.stats.daily import local_today
from hub.stats.figures_store import FiguresStore
from hub.stats.grading import SiteGrade, SiteOperation, grade_site
from hub.stats.grading_model import GradingRules, load_grading
from hub.stats.ledger_reads import read_passages
from hub.stats.live_occupancy import LiveOccupancy
from hub.stats.occupancy import Passage, SiteOccupancy, SitePlan
from hub.stats.operation_store import CameraSample, OperationStore
from hub.stats.settings import StatsSettings
from hub.stats.stability import EnterpriseFacts, Override, assess, effective_colour
from hub.stats.stability_model import StabilityRule, load_stability_rules
from hub.stats.tenant_records import TenantRecords
from hub.stats.tenant_store import TenantRecordStore

log = logging.getLogger(__name__)

_POLL_S = 0.2  # longest wait on the queue, so the worker notices stop
_MAX_SAMPLED = 100_000  # cameras remembered for sampling; names come from the wire
_HISTORY_DAYS = 35  # daily figures the assessment reads: two head-count windows and more


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class StatsCounters:
    """Running totals, for /metrics."""

    recomputes: int = 0
    failures: int = 0
    status_changes: int = 0
    camera_samples: int = 0


class StatsService(CommitListener):
    """Occupancy, daily figures, site grades and stability colours of every site."""

    def __init__(
        self,
        engine: Engine,
        live: LiveRegistry,
        audit: AuditLog,
        hours: Callable[[str], BusinessHours | None],
        settings: StatsSettings | None = None,
        *,
        grading: GradingRules | None = None,
        stability_rules: Sequence[StabilityRule] | None = None,
        submit_points: Callable[[list[str]], None] | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.settings = settings or StatsSettings()
        self.grading = grading or load_grading(self.settings.grading_file)
        self.stability_rules = list(
            stability_rules if stability_rules is not None
            else load_stability_rules(self.settings.stability_rules_file)
        )
        self.occupancy = LiveOccupancy(live, submit_points)
        self.figures = FiguresStore(engine)
        self.tenants = TenantRecordStore(engine)
        self.operation = OperationStore(engine)
        self.colours = ColourStore(engine, audit)
        self.counters = StatsCounters()
        self.live = live
        self.clock = clock
        self._engine = engine
        self._hours = hours
        self._inbox: queue.SimpleQueue[list[StatusRecord] | list[CameraSample]] = (
            queue.SimpleQueue()
        )
        self._retry: list[list[StatusRecord] | list[CameraSample]] = []
        self._sampled: dict[tuple[str, str], datetime] = {}
        self._colour_cache: dict[tuple[str, str], ColourRecord] = {}
        self._computed_days: dict[str, date] = {}
        self._pruned_on: date | None = None

    # --- the listener, on the ingest writer's thread --------------------------------------

    def committed(self, committed: Committed) -> None:
        """Count occupancy now; queue statuses and camera samples for the worker."""
        if committed.events:
            self.occupancy.record(committed.events)
        if committed.statuses:
            self._inbox.put(list(committed.statuses))
        if samples := self._due_samples(committed.healths):
            self._inbox.put(samples)

    def _due_samples(self, healths: Iterable[HealthRecord]) -> list[CameraSample]:
        due = []
        every = timedelta(seconds=self.settings.camera_sample_s)
        for record in healths:
            at = record.health.ts
            for camera, health in record.health.cameras.items():
                last = self._sampled.get((record.site, camera))
                if last is not None and last <= at < last + every:
                    continue
                if len(self._sampled) >= _MAX_SAMPLED:
                    self._sampled.clear()
                self._sampled[(record.site, camera)] = at
                due.append(CameraSample(record.site, record.gateway, camera, at, health.online))
        return due

    # --- the worker -----------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Write what the listener queued and recompute periodically, until `stop`."""
        next_compute = next_rebuild = time.monotonic()
        rebuild_s = self.settings.occupancy_rebuild_s
        while not stop.is_set():
            self._write_queued(_POLL_S)
            if time.monotonic() >= next_rebuild:
                self._guard(self.rebuild_occupancy, "recounting occupancy")
                next_rebuild = time.monotonic() + rebuild_s if rebuild_s else float("inf")
            if time.monotonic() >= next_compute:
                self._guard(self.recompute, "recomputing figures and colours")
                next_compute = time.monotonic() + self.settings.recompute_s
        self._write_queued(0)

    def _write_queued(self, timeout: float) -> None:
        batches = self._retry
        self._retry = []
        try:
            first = self._inbox.get(timeout=timeout) if timeout else self._inbox.get_nowait()
            batches.append(first)
            while True:
                batches.append(self._inbox.get_nowait())
        except queue.Empty:
            pass
        for index, batch in enumerate(batches):
            try:
                self._write(batch)
            except Exception:  # the database is away, most likely: keep the rest for later
                self.counters.failures += 1
                log.exception("storing statuses and camera samples failed; retrying")
                self._retry = batches[index:][-1000:]
                return

    def _write(self, batch: list[StatusRecord] | list[CameraSample]) -> None:
        statuses = [item for item in batch if isinstance(item, StatusRecord)]
        samples = [item for item in batch if isinstance(item, CameraSample)]
        self.counters.status_changes += self.operation.record_statuses(statuses)
        self.operation.record_samples(samples)
        self.counters.camera_samples += len(samples)

    def _guard(self, action: Callable[[], object], what: str) -> None:
        try:
            action()
        except Exception:  # a failed round is retried at the next; the worker goes on
            self.counters.failures += 1
            log.exception("%s failed", what)

    def rebuild_occupancy(self) -> None:
        """Recount occupancy from the ledger's passages of each site's day."""
        def read(plans: Mapping[str, SitePlan], now: datetime) -> list[Passage]:
            """The day's passages of every planned site, from the ledger."""
            with self._engine.begin() as connection:
                return read_passages(connection, plans, now)

        self.occupancy.rebuild(read, self.clock())

    def recompute(self) -> None:
        """Recompute today's figures of every site (and yesterday's, once the day turns),
        reassess the colours, and reload the colours the rules read."""
        now = self.clock()
        for site, lookup in sorted(self.live.current.sites.items()):
            today = local_today(now, lookup.site.timezone)
            days = [today] if self._computed_days.get(site) == today else [
                today - timedelta(days=1), today]  # finish yesterday's late events once
            for day in days:
                self.figures.recompute(site, day, lookup.site.timezone, self._hours(site),
                                       list(lookup.enterprises), now)
            self._computed_days[site] = today
            self.assess_site(site, now)
        self.refresh_colours()
        self.counters.recomputes += 1
        if self._pruned_on != now.date():
            keep = timedelta(days=self.settings.camera_samples_keep_days)
            self.operation.prune_samples(now - keep)
            self._pruned_on = now.date()

    def assess_site(self, site: str, now: datetime) -> None:
        """Assess every registered enterprise of a site and store the colours."""
        lookup = self.live.current.sites.get(site)
        if lookup is None:
            return
        today = local_today(now, lookup.site.timezone)
        daily = self.figures.history(site, today - timedelta(days=_HISTORY_DAYS), today)
        records = self.tenants.site_records(site)
        assessments = {
            enterprise.id: assess(EnterpriseFacts(
                site, enterprise.id, today,
                [f for f in daily if f.enterprise == enterprise.id],
                records.get(enterprise.id, TenantRecords()), enterprise.lease_end,
            ), self.stability_rules)
            for enterprise in lookup.enterprises.values()
        }
        self.colours.save_assessments(site, assessments, now)

    def refresh_colours(self) -> None:
        """Reload the colours in force (those other replicas set included)."""
        self._colour_cache = {(r.site, r.enterprise): r for r in self.colours.records()}

    # --- reads and writes for the API and the rules ---------------------------------------

    def enterprise_colour(self, site: str, enterprise: str) -> Colour | None:
        """The colour in force, an override's expiry judged now; None if never assessed."""
        record = self._colour_cache.get((site, enterprise))
        if record is None:
            return None
        return effective_colour(record.assessed_colour, record.override, self.clock())[0]

    def occupancy_now(self, sites: Iterable[str] | None = None) -> list[SiteOccupancy]:
        """Occupancy of these sites (default: all registered), now."""
        return self.occupancy.now(self.clock(), sites)

    def grade(self, site: str) -> SiteGrade | None:
        """The site's grade over the grading window ending now; None for an unknown site."""
        lookup = self.live.current.sites.get(site)
        if lookup is None:
            return None
        end = self.clock()
        start = end - timedelta(days=self.grading.window_days)
        measured = self.operation.measure(site, start, end)
        exempt = set(self.grading.gates_without_camera.exempt_kinds)
        bare = [g.id for g in lookup.gates.values()
                if g.kind not in exempt and not lookup.gate_cameras.get(g.id)]
        return grade_site(SiteOperation(
            site, start, end, measured.response_times_s, measured.open_alarms_opened_at,
            measured.gateway_uptime, measured.camera_uptime, bare,
        ), self.grading)

    def set_override(
        self, site: str, enterprise: str, colour: Colour, reason: str,
        until: datetime | None, principal: Principal,
    ) -> ColourRecord:
        """Set a colour by hand; audited in the same transaction."""
        now = self.clock()
        override = Override(colour, reason, principal.username, now, until)
        entry = AuditEntry(principal.username, principal.role, "enterprise.colour_override",
                           f"{site}/{enterprise}", {"colour": colour, "reason": reason,
                                                    "until": until})
        record = self.colours.set_override(site, enterprise, override, entry)
        self._colour_cache = {**self._colour_cache, (site, enterprise): record}
        return record

    def clear_override(
        self, site: str, enterprise: str, principal: Principal
    ) -> ColourRecord | None:
        """Clear a colour set by hand (audited); None if there was none."""
        entry = AuditEntry(principal.username, principal.role,
                           "enterprise.colour_override_cleared", f"{site}/{enterprise}", {})
        record = self.colours.clear_override(site, enterprise, principal.username, self.clock(),
                                             entry)
        if record is not None:
            self._colour_cache = {**self._colour_cache, (site, enterprise): record}
        return record
