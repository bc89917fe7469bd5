"""Many simulated gateways in one process, each a real agent, all driven by one event loop.

Every simulated gateway keeps what makes a gateway real on the wire and on disk: its own
MQTT connection (client id, persistent session, retained status, last will), its own
SQLite outbox (so `seq` is its own, survives restarts and is replayed in order) and the
agent's delivery pump and health report. What they share is the machinery: one asyncio
loop in one thread serves every socket and clock, and one shuffled copy of the demo
park's traffic per played gateway feeds them all, each from its own offset.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from edge_agent.agent import Agent, Identity
from edge_agent.bootstrap import agent_version, build_agent
from edge_agent.ports import Draft, LinkOptions, OutboxFull, Outgoing
from edge_agent.settings import AgentSettings, load_settings
from edge_agent.simulation.fleet_link import LoopLink
from edge_agent.simulation.model import TrafficModel
from edge_agent.simulation.registry import SiteRegistry, load_registry
from sitewatch.protocol import Topics

log = logging.getLogger(__name__)

DEV_SITE_KEY = "demo-site-key-not-for-production-use"
_MAX_GROUP = 1000  # drafts per outbox transaction, as the simulator source
_SETTLE_EVERY_S = 0.2  # how soon acknowledged rows leave the outbox


@dataclass(frozen=True, slots=True)
class FleetSettings:
    """What the fleet simulates, and where it sends it."""

    broker_host: str = "127.0.0.1"
    broker_port: int = 1883
    gateways: int = 2
    total_rate: float = 20.0  # events/s of all gateways together
    data_dir: Path = Path(".sitewatch-simulate")
    site_key: str = DEV_SITE_KEY
    gateway_prefix: str = "sim"
    tick_s: float = 1.0  # each gateway appends what is due this often
    # 1: what a gateway appended in one tick goes out as one message (a JSON array);
    # 50, the agent's default, sends one event a message until a backlog builds.
    batch_threshold: int = 1
    health_interval_s: float = 10.0
    shutdown_grace_s: float = 10.0
    keepalive_s: int = 30
    seed: int = 1
    mix_length: int = 20_000  # drafts in each shared traffic template
    mqtt_version: Literal["5", "3.1.1"] = "5"

    @property
    def rate_per_gateway(self) -> float:
        """Events/s of one gateway."""
        return self.total_rate / self.gateways

    def gateway_id(self, index: int) -> str:
        """The id of simulated gateway `index`."""
        return f"{self.gateway_prefix}-{index:03d}"


@dataclass(frozen=True, slots=True)
class FleetStats:
    """The whole fleet at one moment."""

    elapsed_s: float
    emitted: int  # events appended to the outboxes since start
    refused: int  # events an outbox refused (full); retried on the next tick
    outbox_depth: int  # records waiting in all outboxes (unsent, or sent and not yet acked)
    inflight: int  # messages published and not yet acknowledged
    connected: int
    gateways: int


class TrafficMix:
    """The demo park's traffic, mixed as on a busy weekday, shared by all simulated gateways."""

    def __init__(self, registry: SiteRegistry, site_key: bytes, seed: int, length: int) -> None:
        origin = datetime.now(UTC)
        self.played = [g.id for g in registry.gateways]
        # One template per real gateway of the demo park: the simulated ones take turns.
        self._templates = [
            list(TrafficModel(registry, gateway, site_key, seed).rate_events(origin, length, 1.0))
            for gateway in self.played
        ]

    def stream(self, index: int) -> Iterator[Draft]:
        """Endless drafts for simulated gateway `index`, from an offset of its own."""
        template = self._templates[index % len(self._templates)]
        offset = (index * 7919) % len(template)
        return itertools.islice(itertools.cycle(template), offset, None)


class SimulatedGateway:
    """One gateway: a real agent (outbox, delivery pump, status, will) fed from the mix."""

    def __init__(
        self, agent: Agent, link: LoopLink, identity: Identity, drafts: Iterator[Draft],
        rate: float,
    ) -> None:
        self.agent = agent
        self.link = link
        self.identity = identity
        self._drafts = drafts
        self._rate = rate
        self._pending: list[Draft] = []
        self._began: float | None = None
        self.emitted = 0
        self.refused = 0

    def play(self, now: float) -> int:
        """Append the events due by `now` (monotonic) to the outbox; return how many."""
        if self._began is None:
            self._began = now
        due = min(_MAX_GROUP, int((now - self._began) * self._rate) + 1 - self.emitted)
        if due <= 0:
            return 0
        while len(self._pending) < due:
            self._pending.append(next(self._drafts))
        stamp = datetime.now(UTC)  # the event happens now: its ts is when it is appended
        group = [
            Draft(kind=d.kind, device=d.device, ts=stamp, fields=d.fields, media=d.media,
                  priority=d.priority)
            for d in self._pending[:due]
        ]
        try:
            self.agent.append(group)
        except OutboxFull:
            self.refused += len(group)
            return 0  # still due: tried again next tick, so nothing is skipped
        del self._pending[:due]
        self.emitted += len(group)
        return len(group)

    def pump(self) -> None:
        """Delete what the broker acknowledged and publish what is pending."""
        self.agent.pump.pump_once()

    def publish_health(self) -> None:
        """Send the agent's health report (QoS 0; shed while disconnected)."""
        topic = self.identity.topics.health(self.identity.site, self.identity.gateway)
        body = self.agent.health().model_dump_json().encode()
        with contextlib.suppress(ConnectionError):  # QoS 0, never queued: shed while down
            self.link.publish(Outgoing(topic, body, qos=0))


class Fleet:
    """Runs `settings.gateways` simulated gateways on one asyncio loop until stopped."""

    def __init__(self, settings: FleetSettings, registry: SiteRegistry | None = None) -> None:
        self.settings = settings
        self.registry = registry or load_registry(None)
        self.gateways: list[SimulatedGateway] = []
        self._dirty: set[int] = set()
        self._started = time.monotonic()

    def stats(self) -> FleetStats:
        """A snapshot: events emitted, outbox depth, messages in flight, connections."""
        return FleetStats(
            elapsed_s=time.monotonic() - self._started,
            emitted=sum(g.emitted for g in self.gateways),
            refused=sum(g.refused for g in self.gateways),
            outbox_depth=sum(g.agent.outbox.depth() for g in self.gateways),
            inflight=sum(g.agent.pump.inflight for g in self.gateways),
            connected=sum(1 for g in self.gateways if g.link.connected),
            gateways=len(self.gateways),
        )

    def run(
        self,
        stop: threading.Event,
        on_report: Callable[[FleetStats], None] | None = None,
        report_every_s: float = 5.0,
        duration_s: float = 0.0,
    ) -> FleetStats:
        """Run until `stop` is set (or `duration_s` of play has passed, if given), then
        flush, say offline and disconnect; return the final stats."""
        return asyncio.run(self._main(stop, on_report, report_every_s, duration_s))

    async def _main(
        self,
        stop: threading.Event,
        on_report: Callable[[FleetStats], None] | None,
        report_every_s: float,
        duration_s: float,
    ) -> FleetStats:
        loop = asyncio.get_running_loop()
        self._build(loop)
        for index, gateway in enumerate(self.gateways):
            gateway.link.start()
            if index % 50 == 49:
                await asyncio.sleep(0)  # let CONNACKs in while the rest connect
        await self._wait_connected(10.0)
        self._started = time.monotonic()
        playing = asyncio.Event()
        playing.set()
        tasks = [
            asyncio.create_task(self._play(gateway, index, playing))
            for index, gateway in enumerate(self.gateways)
        ]
        tasks += [
            asyncio.create_task(self._settle()),
            asyncio.create_task(self._misc()),
            asyncio.create_task(self._health(playing)),
        ]
        if on_report is not None:
            tasks.append(asyncio.create_task(self._report(on_report, report_every_s)))
        end = self._started + duration_s if duration_s else float("inf")
        while not stop.is_set() and time.monotonic() < end:
            await asyncio.sleep(0.1)
        playing.clear()
        # The shutdown settles acks itself: the settling task must not take its tokens.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._shut_down()
        final = self.stats()
        for gateway in self.gateways:
            gateway.agent.outbox.close()
        return final

    def _build(self, loop: asyncio.AbstractEventLoop) -> None:
        s = self.settings
        mix = TrafficMix(self.registry, s.site_key.encode(), s.seed, s.mix_length)
        s.data_dir.mkdir(parents=True, exist_ok=True)
        version = agent_version()
        for index in range(s.gateways):
            settings = self._agent_settings(index)
            identity = Identity(
                site=settings.site, gateway=settings.gateway,
                topics=Topics(settings.topic_prefix), agent_version=version,
                started_at=datetime.now(UTC), config_hash=settings.config_hash(),
            )
            link = LoopLink(
                _link_options(settings, identity), loop,
                on_acked=lambda index=index: self._dirty.add(index),  # type: ignore[misc]
                max_inflight=settings.delivery.max_inflight,
                session_expiry_s=settings.broker.session_expiry_s,
                on_connect_messages=[identity.status("online")],
                mqtt_version=settings.broker.mqtt_version,
            )
            agent = build_agent(settings, link=link)
            self.gateways.append(
                SimulatedGateway(agent, link, identity, mix.stream(index), s.rate_per_gateway)
            )

    def _agent_settings(self, index: int) -> AgentSettings:
        s = self.settings
        gateway = s.gateway_id(index)
        return load_settings(
            None,
            environment="development",
            site=self.registry.site.id,
            gateway=gateway,
            site_key=s.site_key,
            broker={"host": s.broker_host, "port": s.broker_port, "keepalive_s": s.keepalive_s,
                    "mqtt_version": s.mqtt_version},
            outbox={"path": str(s.data_dir / f"outbox-{gateway}.db")},
            delivery={"batch_threshold": s.batch_threshold,
                      "shutdown_grace_s": s.shutdown_grace_s},
            health_interval_s=s.health_interval_s,
            sources=[],
        )

    async def _wait_connected(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(g.link.connected for g in self.gateways):
                return
            await asyncio.sleep(0.05)
        missing = sum(1 for g in self.gateways if not g.link.connected)
        log.warning("%d of %d gateways not connected yet; they keep trying", missing,
                    len(self.gateways))

    async def _play(self, gateway: SimulatedGateway, index: int, playing: asyncio.Event) -> None:
        """Append what is due every tick; gateways are spread evenly over the tick."""
        tick = self.settings.tick_s
        await asyncio.sleep(tick * index / len(self.gateways))
        loop = asyncio.get_running_loop()
        due_at = loop.time()
        while playing.is_set():
            try:
                gateway.play(time.monotonic())
                gateway.pump()
            except Exception:
                log.exception("gateway %s: tick failed", gateway.identity.gateway)
            due_at += tick
            await asyncio.sleep(max(0.0, due_at - loop.time()))

    async def _settle(self) -> None:
        """Shortly after acks arrive, delete their rows; publishing waits for the next tick."""
        while True:
            await asyncio.sleep(_SETTLE_EVERY_S)
            dirty, self._dirty = self._dirty, set()
            for index in dirty:
                gateway = self.gateways[index]
                try:
                    gateway.agent.pump.settle(gateway.link.take_acked())
                except Exception:
                    log.exception("gateway %s: settling failed", gateway.identity.gateway)

    async def _misc(self) -> None:
        """Keepalives, timeouts and reconnects, for every link once a second."""
        while True:
            now = time.monotonic()
            for gateway in self.gateways:
                gateway.link.misc(now)
            await asyncio.sleep(1.0)

    async def _health(self, playing: asyncio.Event) -> None:
        """Each gateway's health report every `health_interval_s`, spread over the interval."""
        pause = self.settings.health_interval_s / len(self.gateways)
        while playing.is_set():
            for gateway in self.gateways:
                await asyncio.sleep(pause)
                if not playing.is_set():
                    return
                try:
                    gateway.publish_health()
                except Exception:
                    log.exception("gateway %s: health failed", gateway.identity.gateway)

    async def _report(self, on_report: Callable[[FleetStats], None], every_s: float) -> None:
        while True:
            await asyncio.sleep(every_s)
            on_report(self.stats())

    async def _shut_down(self) -> None:
        """Deliver what is pending within the grace period, say offline, disconnect."""
        deadline = time.monotonic() + self.settings.shutdown_grace_s
        while time.monotonic() < deadline:
            live = [g for g in self.gateways if g.link.connected]
            for gateway in live:
                gateway.pump()
            if all(g.agent.outbox.depth() == 0 for g in live):
                break
            await asyncio.sleep(0.05)
        offline: dict[int, int] = {}
        for index, gateway in enumerate(self.gateways):
            with contextlib.suppress(ConnectionError):  # down: its last will says it instead
                offline[index] = gateway.link.publish(gateway.identity.status("offline"))
        deadline = time.monotonic() + 5.0
        while offline and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            for index in list(offline):
                gateway = self.gateways[index]
                acked = gateway.link.take_acked()
                gateway.agent.pump.settle(acked)
                if offline[index] in acked:
                    del offline[index]
        for gateway in self.gateways:
            gateway.link.stop()
        deadline = time.monotonic() + 5.0
        while any(g.link.open for g in self.gateways) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)


def _link_options(settings: AgentSettings, identity: Identity) -> LinkOptions:
    """The link's options from the agent's settings (plain TCP: the fleet runs beside a broker)."""
    broker = settings.broker
    return LinkOptions(
        host=broker.host,
        port=broker.port,
        client_id=settings.client_id,
        keepalive_s=broker.keepalive_s,
        will=identity.status("offline"),
        reconnect_min_s=broker.reconnect_min_s,
        reconnect_max_s=broker.reconnect_max_s,
    )
