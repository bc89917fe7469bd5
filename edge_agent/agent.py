"""The running agent: sources feed the outbox, the pump drains it, health goes out."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from edge_agent.delivery import DeliveryPump
from edge_agent.health import ProcessMeter, build_health
from edge_agent.outbox import Outbox, Stamp
from edge_agent.ports import Draft, EventSink, Link, OutboxFull, Outgoing, Priority, Source
from sitewatch.protocol import CameraHealth, GatewayHealth, GatewayStatus, MediaRef, Topics

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who this agent is on the wire, and what it says in its status message."""

    site: str
    gateway: str
    topics: Topics
    agent_version: str
    started_at: datetime
    config_hash: str

    def status(self, state: Literal["online", "offline"]) -> Outgoing:
        """The retained status message for `state` (the last will carries `offline`)."""
        body = GatewayStatus(
            state=state,
            agent_version=self.agent_version,
            started_at=self.started_at,
            config_hash=self.config_hash,
        )
        topic = self.topics.status(self.site, self.gateway)
        return Outgoing(topic, body.model_dump_json().encode(), qos=1, retain=True)


@dataclass(frozen=True, slots=True)
class Timing:
    """How long the agent waits for things."""

    health_interval_s: float = 10.0
    shutdown_grace_s: float = 5.0
    restart_min_s: float = 1.0
    restart_max_s: float = 60.0


class Agent(EventSink):
    """Runs sources into the outbox (this is their sink), the delivery pump and health loop."""

    def __init__(
        self,
        identity: Identity,
        outbox: Outbox,
        link: Link,
        pump: DeliveryPump,
        sources: Sequence[Source],
        *,
        timing: Timing | None = None,
        meter: ProcessMeter | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.identity = identity
        self.outbox = outbox
        self.link = link
        self.pump = pump
        self.sources = list(sources)
        self.timing = timing or Timing()
        self._meter = meter or ProcessMeter()
        self._clock = clock
        self._source_counts: dict[str, Counter[str]] = {s.name: Counter() for s in self.sources}
        self._health_unsent = 0

    def emit(self, drafts: Sequence[Draft]) -> None:
        """Validate and append events to the outbox in one transaction."""
        self.append(drafts)

    def append(self, drafts: Sequence[Draft]) -> int:
        """Append events; return how many were kept (LOW ones may be shed when full)."""
        stamp = Stamp(self.identity.site, self.identity.gateway, self._clock())
        kept = len(self.outbox.append_events(drafts, stamp))
        self.pump.wake()
        return kept

    def emit_media(
        self,
        data: bytes,
        content_type: str,
        role: Literal["snapshot", "clip"],
        priority: Priority = Priority.NORMAL,
    ) -> MediaRef:
        """Append a media object to the outbox and return the reference events carry."""
        ref = self.outbox.append_media(data, content_type, role, self._clock(), priority)
        self.pump.wake()
        return ref

    def run(self, stop: threading.Event) -> None:
        """Run until `stop` is set, then flush within the grace period and disconnect."""
        log.info(
            "agent %s/%s starting; %d record(s) pending in the outbox",
            self.identity.site, self.identity.gateway, self.outbox.depth(),
        )
        sources_stop, pump_stop = threading.Event(), threading.Event()
        self.link.start()
        pump_thread = _thread("delivery", self.pump.run, pump_stop)
        health_thread = _thread("health", self._health_loop, pump_stop)
        source_threads = [
            _thread(f"source-{s.name}", self._supervise, s, sources_stop) for s in self.sources
        ]
        stop.wait()
        log.info("stopping: sources first, then flushing the outbox")
        sources_stop.set()
        deadline = time.monotonic() + self.timing.shutdown_grace_s
        for thread in source_threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        self._flush(deadline)
        pump_stop.set()
        pump_thread.join(timeout=5)
        health_thread.join(timeout=5)
        self._say_offline()
        self.link.stop()
        log.info("stopped; %d record(s) left in the outbox for next time", self.outbox.depth())
        self.outbox.close()

    def health(self) -> GatewayHealth:
        """The health report as of now."""
        now = self._clock()
        return build_health(
            datetime.fromtimestamp(now, UTC),
            outbox_depth=self.outbox.depth(),
            oldest_pending_age_s=self.outbox.oldest_age_s(now),
            inflight=self.pump.inflight,
            dropped={**self.outbox.dropped(), "health_unsent": self._health_unsent},
            sources={
                s.name: {**s.counters(), **self._source_counts[s.name]} for s in self.sources
            },
            cameras=self._cameras(),
            process=self._meter.sample(),
        )

    def _cameras(self) -> dict[str, CameraHealth]:
        """Per-camera figures of every source that runs cameras."""
        cameras: dict[str, CameraHealth] = {}
        for source in self.sources:
            try:
                cameras.update(source.cameras())
            except Exception:  # a broken report must not take the health loop down
                log.exception("source %s: camera figures failed", source.name)
        return cameras

    def _supervise(self, source: Source, stop: threading.Event) -> None:
        """Run one source; restart it with backoff when it raises, never give up."""
        sink = _CountingSink(self, self._source_counts[source.name])
        delay = self.timing.restart_min_s
        while not stop.is_set():
            started = time.monotonic()
            try:
                source.run(sink, stop)
            except Exception:
                self._source_counts[source.name]["restarts"] += 1
                log.exception("source %s failed; restarting in %.1f s", source.name, delay)
            else:
                if not stop.is_set():
                    log.info("source %s finished", source.name)
                return
            if time.monotonic() - started > self.timing.restart_max_s:
                delay = self.timing.restart_min_s  # it ran well for a while: start over
            stop.wait(delay)
            delay = min(delay * 2, self.timing.restart_max_s)

    def _health_loop(self, stop: threading.Event) -> None:
        topic = self.identity.topics.health(self.identity.site, self.identity.gateway)
        while not stop.wait(self.timing.health_interval_s):
            try:
                body = self.health().model_dump_json().encode()
                self.link.publish(Outgoing(topic, body, qos=0))
            except ConnectionError:
                # QoS 0 and never queued: a report missed while offline is shed, and counted.
                self._health_unsent += 1
            except Exception:
                log.exception("health report failed")

    def _flush(self, deadline: float) -> None:
        """Let the pump deliver what is pending, while connected, until the deadline."""
        while time.monotonic() < deadline and self.link.connected:
            if self.outbox.depth() == 0:
                return
            time.sleep(0.05)

    def _say_offline(self) -> None:
        """Publish the offline status: a clean disconnect does not trigger the last will."""
        try:
            token = self.link.publish(self.identity.status("offline"))
        except ConnectionError:
            return
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            acked = self.link.take_acked(timeout=0.1)
            self.pump.settle(acked)  # the pump thread is gone; its late acks still count
            if token in acked:
                return


class _CountingSink(EventSink):
    """One source's view of the agent's sink, counting what it emits for health reports."""

    def __init__(self, agent: Agent, counts: Counter[str]) -> None:
        self._agent = agent
        self._counts = counts

    def emit(self, drafts: Sequence[Draft]) -> None:
        """Append events through the agent, counting accepted and refused ones."""
        try:
            kept = self._agent.append(drafts)
        except OutboxFull:
            self._counts["refused"] += len(drafts)
            raise
        except ValueError:
            self._counts["invalid"] += len(drafts)
            raise
        self._counts["events"] += kept
        if kept < len(drafts):
            self._counts["shed"] += len(drafts) - kept

    def emit_media(
        self,
        data: bytes,
        content_type: str,
        role: Literal["snapshot", "clip"],
        priority: Priority = Priority.NORMAL,
    ) -> MediaRef:
        """Append media through the agent, counting accepted and refused objects."""
        try:
            ref = self._agent.emit_media(data, content_type, role, priority)
        except OutboxFull:
            self._counts["media_refused"] += 1
            raise
        self._counts["media"] += 1
        return ref


def _thread(name: str, target: Callable[..., None], *args: object) -> threading.Thread:
    # Daemon threads: a source stuck in I/O must not keep the process alive after stop.
    thread = threading.Thread(target=target, args=args, name=name, daemon=True)
    thread.start()
    return thread
