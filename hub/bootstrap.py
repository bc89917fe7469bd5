"""The hub's composition root: settings in, a wired hub out. Nothing connects at import."""

from __future__ import annotations

import contextlib
import gc
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from hub.accounts import Accounts
from hub.alarms import AlarmNotifier, AlarmService, AlarmStore
from hub.alarms.build import build_alarm_service
from hub.alarms.timeseries import AlarmPoints
from hub.api import HubState, create_app
from hub.ingest import IngestLimits
from hub.ledger import Ledger
from hub.ledger.audit_store import AuditLog
from hub.ledger.engine import create_ledger_engine
from hub.ledger.users_store import UserStore
from hub.live import LiveHub
from hub.media import MediaStore
from hub.mqtt import PahoAlarmPublisher, PahoSubscriber
from hub.passwords import PasswordHasher
from hub.ports import CommitListener
from hub.receiver import ReceiverProcess
from hub.registry.live import LiveRegistry
from hub.registry.rule_context import RegistryRuleContext
from hub.registry.store import RegistryStore
from hub.service import IngestService
from hub.settings import HubSettings, IngestSettings
from hub.stats import StatsService
from hub.timeseries import TimeSeriesWriter, build_timeseries
from hub.tokens import TokenIssuer
from sitewatch.protocol import Topics

log = logging.getLogger(__name__)


@dataclass
class Hub:
    """A wired hub: subscription → ingest worker → ledger, and the API beside them."""

    settings: HubSettings
    ledger: Ledger
    subscriber: PahoSubscriber | ReceiverProcess
    ingest: IngestService
    app: FastAPI
    registry: LiveRegistry
    timeseries: TimeSeriesWriter | None = None
    alarms: AlarmService | None = None
    live: LiveHub | None = None
    stats: StatsService | None = None
    _server: uvicorn.Server | None = field(default=None, repr=False)
    _threads: list[threading.Thread] = field(default_factory=list, repr=False)

    def start(self, stop: threading.Event, serve_api: bool = True) -> None:
        """Migrate the ledger, subscribe, start the ingest worker and (optionally) the API."""
        self.ledger.migrate()
        _tune_interpreter(self.settings.ingest)
        self.registry.refresh()
        self._spawn("registry", self.registry.watch, stop, self.settings.registry_refresh_s)
        if self.timeseries is not None:
            self.timeseries.start()  # replays a spool left by the last run first
        if self.stats is not None:
            self.stats.refresh_colours()  # before the rules first ask for one
            self._spawn("stats", self.stats.run, stop)
        if self.alarms is not None:
            self._spawn("alarms", self.alarms.run, stop)
        self.subscriber.start(self.ingest.deliver)
        self._spawn("ingest", self.ingest.run, stop)
        if serve_api:
            config = uvicorn.Config(
                self.app, host=self.settings.api.host, port=self.settings.api.port,
                log_level="warning", lifespan="off",
            )
            self._server = uvicorn.Server(config)
            server_thread = threading.Thread(target=self._server.run, name="api", daemon=True)
            server_thread.start()
            self._threads.append(server_thread)

    def _spawn(self, name: str, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    @property
    def accounts(self) -> Accounts:
        """The hub's users (for the CLI and the demo's first start)."""
        state: HubState = self.app.state.hub
        return state.accounts

    @property
    def api_port(self) -> int | None:
        """The port the API listens on, once it has started."""
        if self._server is None or not self._server.started:
            return None
        sockets = self._server.servers[0].sockets
        return int(sockets[0].getsockname()[1])

    def wait_api(self, timeout: float = 10.0) -> int:
        """Block until the API listens; return its port."""
        stop_at = threading.Event()
        for _ in range(int(timeout / 0.05)):
            port = self.api_port
            if port is not None:
                return port
            stop_at.wait(0.05)
        raise TimeoutError("the API did not start")

    def close(self) -> None:
        """Stop everything started; call after setting the stop event."""
        if self.live is not None:
            # Open streams would keep the API server waiting for their connections to end.
            self.live.end_streams()
        if self._server is not None:
            self._server.should_exit = True
        with contextlib.suppress(Exception):
            self.subscriber.stop()
        for thread in self._threads:
            thread.join(timeout=10)
        if self.timeseries is not None:
            self.timeseries.close(timeout=10)  # what it cannot deliver now stays in its spool
        self.ledger.close()


def _tune_interpreter(ingest: IngestSettings) -> None:
    """Process-wide interpreter settings for ingest, applied once here and nowhere else."""
    if ingest.switch_interval_s is not None:
        # Shorter intervals let the ledger writer take the GIL back sooner after SQLite
        # releases it, at the price of more switching between the hub's threads.
        sys.setswitchinterval(ingest.switch_interval_s)
    if ingest.gc_threshold is not None:
        # What exists after start-up is long-lived, so the collector can skip it (freeze);
        # ingest's churn then costs a collection per 50,000 objects rather than per 700
        # (measured: batched ingest 23k → 29k events/s).
        gc.freeze()
        gc.set_threshold(ingest.gc_threshold, 20, 50)


def commit_group_cap(settings: HubSettings) -> int:
    """Most messages one commit may hold: a fraction of what the broker may have in flight.

    The broker sends at most `receive_maximum` unacknowledged messages, and the hub
    acknowledges after each commit. A commit holding the whole window stops the stream
    until it is done (receive, then commit, then receive again: measured 5.9k instead of
    11k single-event messages/s); an eighth of it keeps messages arriving while the
    ledger writes. With the default window of 10,000 that is 1,250 messages.
    """
    return max(1, min(settings.ingest.batch_max_messages,
                      settings.broker.receive_maximum // 8))


def build_hub(settings: HubSettings) -> Hub:
    """Wire the real adapters from settings."""
    topics = Topics(settings.topic_prefix)
    # One engine (one connection pool) for the ledger, registry, alarms, users and audit log.
    engine = create_ledger_engine(settings.ledger_url)
    ledger = Ledger(engine, max_dead_letter_bytes=settings.ingest.max_dead_letter_bytes)
    registry_store = RegistryStore(engine)
    live = LiveRegistry(registry_store.revision, registry_store.read_all)
    registry_store.on_change(live.refresh)  # this process's own edits swap in at once
    filters = topics.subscriptions(settings.broker.share_group)
    subscriber: PahoSubscriber | ReceiverProcess = (
        ReceiverProcess(settings.broker, filters) if settings.ingest.receiver == "process"
        else PahoSubscriber(settings.broker, filters)
    )
    live_stream = LiveHub(settings.live.queue_max, settings.live.max_subscribers,
                          settings.live.ping_s)
    listeners: list[CommitListener] = []
    timeseries = build_timeseries(settings.timeseries)
    if timeseries is not None:
        listeners.append(timeseries)
    audit = AuditLog(engine)
    stats = (
        _build_stats(settings, engine, live, audit, timeseries) if settings.stats.enabled else None
    )
    alarms = (
        _build_alarms(settings, engine, live, live_stream, stats, timeseries)
        if settings.alarms.enabled else None
    )
    if alarms is not None:
        listeners.append(alarms)
    if stats is not None:
        listeners.append(stats)
    listeners.append(live_stream)
    ingest = IngestService(
        subscriber,
        ledger,
        MediaStore(settings.media_dir),
        topics,
        IngestLimits(settings.ingest.max_payload_bytes, settings.ingest.max_media_bytes),
        batch_max_messages=commit_group_cap(settings),
        batch_max_events=settings.ingest.batch_max_events,
        batch_linger_s=settings.ingest.batch_linger_s,
        retry_max_s=settings.ingest.retry_max_s,
        enrich=live.enrich,
        listeners=listeners,
    )
    state = HubState(
        ledger=ledger,
        accounts=Accounts(UserStore(engine), PasswordHasher()),
        tokens=TokenIssuer(settings.auth),
        audit=audit,
        broker_connected=lambda: subscriber.connected,
        registry=registry_store,
        live_registry=live,
        alarms=alarms,
        ingest=ingest,
        timeseries=timeseries,
        live=live_stream,
        site_keys={
            site: key.get_secret_value().encode("utf-8")
            for site, key in settings.site_keys.items()
        },
        export_max_events=settings.api.export_max_events,
        max_body_bytes=settings.api.max_body_bytes,
        stats=stats,
    )
    app = create_app(state)
    return Hub(settings, ledger, subscriber, ingest, app, live, timeseries, alarms,
               live=live_stream, stats=stats)


def _build_alarms(
    settings: HubSettings, engine: Engine, live: LiveRegistry, live_stream: LiveHub,
    stats: StatsService | None = None,
    timeseries: TimeSeriesWriter | None = None,
) -> AlarmService:
    """Rules over the live registry, alarms in the ledger, changes told over MQTT and live."""
    alarm_settings = settings.alarms
    context = RegistryRuleContext(
        live, alarm_settings.business_hours, alarm_settings.site_business_hours,
        colours=stats.enterprise_colour if stats is not None else None,
    )
    notifiers: list[AlarmNotifier] = [live_stream]
    if timeseries is not None:
        notifiers.append(AlarmPoints(timeseries.submit))
    if alarm_settings.notify_mqtt:
        notifiers.append(PahoAlarmPublisher(settings.broker, settings.topic_prefix))
    store = AlarmStore(engine, max_event_ids=alarm_settings.max_event_ids)
    return build_alarm_service(alarm_settings, store, context, notifiers)


def _build_stats(
    settings: HubSettings, engine: Engine, live: LiveRegistry, audit: AuditLog,
    timeseries: TimeSeriesWriter | None,
) -> StatsService:
    """Derived figures over the live registry; occupancy points go to the time series."""
    # The rules' business hours, so "after hours" means the same in figures and alarms.
    hours = RegistryRuleContext(
        live, settings.alarms.business_hours, settings.alarms.site_business_hours
    )
    return StatsService(
        engine, live, audit, hours.business_hours, settings.stats,
        submit_points=timeseries.submit if timeseries is not None else None,
    )
