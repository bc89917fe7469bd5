"""Prometheus metrics of a hub, read from its parts' own counters at scrape time.

No metric is kept twice: the collector reads `IngestService.counters`, the time-series
writer's, the alarm service's and the live hub's running totals when Prometheus asks, and
counts gateways and unresolved alarms with one small query each. Labels carry no site or
tenant names, so the endpoint shows volumes and health, never who or where.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from hub.alarms.lifecycle import ALARM_STATES
from hub.ledger import sqlite_memory
from hub.rules.signals import SEVERITIES

if TYPE_CHECKING:
    from hub.api.app import HubState

log = logging.getLogger(__name__)

# (metric name without _total, help, attribute of the part's counters)
_INGEST = (
    ("sitewatch_ingest_messages", "MQTT messages committed or dead-lettered", "messages"),
    ("sitewatch_ingest_events_stored", "new events stored in the ledger", "events_stored"),
    ("sitewatch_ingest_duplicates", "redelivered events absorbed by their id", "duplicates"),
    ("sitewatch_ingest_dead_letters", "messages or batch items refused", "dead_letters"),
    ("sitewatch_ingest_commits", "ledger transactions committed", "commits"),
    ("sitewatch_ingest_commit_failures", "ledger commits that failed", "commit_failures"),
)
_TIMESERIES = (
    ("sitewatch_timeseries_points_written", "points accepted by the endpoint", "points_written"),
    ("sitewatch_timeseries_points_rejected", "points refused as malformed", "points_rejected"),
    ("sitewatch_timeseries_points_dropped", "points pushed out of a full spool",
     "points_dropped"),
    ("sitewatch_timeseries_failed_writes", "write requests that failed", "failed_writes"),
    ("sitewatch_timeseries_batches_spooled", "batches that went to the spool",
     "batches_spooled"),
)
_ALARMS = (
    ("sitewatch_alarms_commits", "commits evaluated by the rules", "commits"),
    ("sitewatch_alarms_dropped_commits", "commits skipped: the rules' queue was full",
     "dropped_commits"),
    ("sitewatch_alarms_signals", "signals raised by the rules", "signals"),
    ("sitewatch_alarms_opened", "alarms opened", "opened"),
    ("sitewatch_alarms_folded", "signals folded into an open alarm", "folded"),
    ("sitewatch_alarms_escalated", "alarm escalations", "escalated"),
    ("sitewatch_alarms_engine_failures", "rule engine failures", "engine_failures"),
    ("sitewatch_alarms_store_failures", "alarm store failures", "store_failures"),
    ("sitewatch_alarms_notify_failures", "notifier failures", "notify_failures"),
)
_GATEWAY_STATES = ("online", "offline", "unknown")
CONTENT_TYPE = CONTENT_TYPE_LATEST  # Prometheus' text format, version 0.0.4


def exposition(state: HubState) -> bytes:
    """Every metric of the hub, read now, in Prometheus' text format (may query the ledger)."""
    return generate_latest(HubCollector(state))


class HubCollector:
    """A prometheus_client collector over one hub's parts (those it has)."""

    def __init__(self, state: HubState) -> None:
        self._state = state

    def collect(self) -> Iterator[Metric]:
        """Every metric, read now."""
        state = self._state
        yield _gauge("sitewatch_broker_connected", "1 while the MQTT connection is up",
                     1.0 if state.broker_connected() else 0.0)
        if state.ingest is not None:
            yield from _counters(_INGEST, state.ingest.counters)
            yield _gauge("sitewatch_ingest_backlog", "messages received, not yet committed",
                         state.ingest.backlog)
        if state.timeseries is not None:
            counters = state.timeseries.counters
            yield from _counters(_TIMESERIES, counters)
            yield _gauge("sitewatch_timeseries_spool_batches", "batches waiting in the spool",
                         counters.spool_depth)
            yield _gauge("sitewatch_timeseries_spool_points", "points waiting in the spool",
                         counters.spool_points)
        if state.alarms is not None:
            yield from _counters(_ALARMS, state.alarms.counters)
            yield from _queried(self._unresolved_alarms)
        if state.live is not None:
            live = state.live
            yield _gauge("sitewatch_live_subscribers", "live streams open", live.subscriber_count)
            yield _counter("sitewatch_live_dropped", "items dropped from slow live streams",
                           live.dropped_total)
            yield _counter("sitewatch_live_sent", "items sent on live streams", live.sent_total)
        yield from _queried(self._gateways)
        if state.ledger.backend == "sqlite":
            used = sqlite_memory.memory_used()
            if used is not None:
                yield _gauge("sitewatch_ledger_sqlite_memory_bytes",
                             "SQLite's heap in the hub process (page caches and all)", used)

    def _unresolved_alarms(self) -> Metric:
        assert self._state.alarms is not None
        counts = self._state.alarms.unresolved_counts()
        family = GaugeMetricFamily(
            "sitewatch_alarms_unresolved", "alarms open or acknowledged",
            labels=["state", "severity"],
        )
        for state in ALARM_STATES:
            if state != "resolved":
                for severity in SEVERITIES:  # zeros too, so a dashboard's series exist
                    family.add_metric([state, severity], counts.get((state, severity), 0))
        return family

    def _gateways(self) -> Metric:
        counts = dict.fromkeys(_GATEWAY_STATES, 0)
        # The ledger's gateway list (with gaps) rather than a query of its own: a hub has
        # hundreds of gateways, and Prometheus asks every 15 s or so.
        for view in self._state.ledger.list_gateways():
            counts[view.state] = counts.get(view.state, 0) + 1
        family = GaugeMetricFamily("sitewatch_gateways", "gateways by last known state",
                                   labels=["state"])
        for name, count in counts.items():
            family.add_metric([name], count)
        return family


def _queried(read: Callable[[], Metric]) -> Iterator[Metric]:
    """A metric that needs the database; left out (and logged) if it cannot be read now."""
    try:
        metric = read()
    except Exception:  # a scrape must still show the in-memory counters
        log.warning("metrics: %s failed", read.__name__, exc_info=True)
        return
    yield metric


def _counters(table: tuple[tuple[str, str, str], ...], counters: Any) -> Iterator[Metric]:
    for name, documentation, attribute in table:
        yield _counter(name, documentation, getattr(counters, attribute))


def _counter(name: str, documentation: str, value: float) -> Metric:
    return CounterMetricFamily(name, documentation, value=value)


def _gauge(name: str, documentation: str, value: float) -> Metric:
    return GaugeMetricFamily(name, documentation, value=value)
