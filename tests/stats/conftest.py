"""Fixtures of the stats tests: the small site in a migrated ledger, and a stats service."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import Engine

from hub.alarms.settings import BusinessHoursSettings
from hub.ledger import Ledger
from hub.ledger.audit_store import AuditLog
from hub.ledger.engine import create_ledger_engine
from hub.ports import Committed
from hub.records import IngestBatch
from hub.registry import LiveRegistry, RegistryImport, RegistryStore
from hub.registry.rule_context import RegistryRuleContext
from hub.stats import StatsService, StatsSettings
from sitewatch.protocol import Event
from tests.stats.factory import T0, record, site_document


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    """The small site in a migrated ledger, with the hub's parts over it."""

    url: str
    engine: Engine
    ledger: Ledger
    registry: RegistryStore
    live: LiveRegistry
    audit: AuditLog
    clock: Clock
    stats: StatsService

    def commit(self, *events: Event, listen: bool = False) -> None:
        """Commit events to the ledger as ingest does; tell the stats listener if `listen`."""
        records = [record(event, self.live) for event in events]
        self.ledger.commit(IngestBatch(events=records))
        if listen:
            self.stats.committed(Committed(tuple(records), (), (), 0))


def make_world(url: str) -> World:
    """Migrate the database at `url`, import the small site, build the stats service."""
    engine = create_ledger_engine(url)
    ledger = Ledger(engine)
    ledger.migrate()
    registry = RegistryStore(engine)
    report = registry.apply(RegistryImport.of_document(site_document()))
    assert report.rejected == ()
    live = LiveRegistry(registry.revision, registry.read_all)
    live.refresh()
    clock = Clock()
    audit = AuditLog(engine, clock=clock)
    hours = RegistryRuleContext(live, BusinessHoursSettings())
    stats = StatsService(engine, live, audit, hours.business_hours,
                         StatsSettings(camera_sample_s=60), clock=clock)
    return World(url, engine, ledger, registry, live, audit, clock, stats)


@pytest.fixture
def world(ledger_url: str) -> Iterator[World]:
    """The small site on each engine."""
    made = make_world(ledger_url)
    yield made
    made.engine.dispose()
