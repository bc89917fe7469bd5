"""Fault drills (issue 6): real servers on free ports, one fault at a time, outcomes counted.

Run from the repository root:
    .venv/bin/python -m tests.perf.fault_drills [--drill NAME] [--events N] [--keep]

Drills (all by default, one after the other):
- broker-kills: Mosquitto SIGKILLed five times while an agent process streams N events.
- broker-terms: the same with SIGTERM (Mosquitto saves its state on the way out).
- hub-kills: `sitewatch hub` (a child process) SIGKILLed three times mid-ingest.
- postgres-restart: the PostgreSQL ledger stopped (fast) and later kill -9ed mid-ingest.
- timeseries-down: the VictoriaMetrics endpoint stopped for 60 s mid-stream.
- disk-full: the agent's outbox on an 32 MiB tmpfs that fills up, then really full.

The agent is the real one (`python -m edge_agent`, counting source of tests/support) except
in disk-full, which needs a mixed source and reads the agent's health in process. Each drill
prints one line of figures and PASS or FAIL; the script exits 1 if any drill failed.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import yaml
from sqlalchemy import text

from edge_agent.agent import Agent
from edge_agent.bootstrap import SOURCE_FACTORIES, build_agent
from edge_agent.ports import Draft, EventSink, OutboxFull, Priority, Source
from edge_agent.settings import load_settings
from hub.bootstrap import Hub, build_hub
from hub.ledger import Ledger
from hub.ledger.engine import create_ledger_engine
from hub.settings import load_hub_settings
from tests.agent.test_agent_process import AgentProcess, outbox_state
from tests.hub.test_crash import HubProcess
from tests.support.auth import TEST_AUTH
from tests.support.servers import (
    MosquittoServer,
    PostgresServer,
    VictoriaMetricsServer,
    free_port,
)

SITE = "drill-park"
GATEWAY = "gw-drill"
SITE_KEY = "drill-site-key-0123456789abcdef"
# Mosquitto saves its in-memory state (sessions, queued messages) after every change instead
# of every 30 minutes: a SIGKILLed broker then loses at most what it acknowledged since its
# last save, which is the one main-loop pass in which it sent the PUBACK.
DURABLE_BROKER = "autosave_interval 1\nautosave_on_changes true\n"

log = logging.getLogger("fault_drills")


@dataclass
class Outcome:
    """One drill's figures and the conditions it failed."""

    drill: str
    figures: dict[str, object] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def check(self, condition: bool, what: str) -> None:
        """Record `what` as a failure unless `condition` holds."""
        if not condition:
            self.failures.append(what)

    @property
    def ok(self) -> bool:
        """Whether every condition held."""
        return not self.failures

    def line(self) -> str:
        """The one-line report."""
        figures = " ".join(f"{name}={_show(value)}" for name, value in self.figures.items())
        verdict = "PASS" if self.ok else "FAIL (" + "; ".join(self.failures) + ")"
        return f"{self.drill}: {verdict} {figures}"


def _show(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_show(v) for v in value) + "]"
    return str(value)


def eventually(predicate: Callable[[], bool], timeout: float, poll: float = 0.1) -> bool:
    """Poll until `predicate` holds (True) or the timeout passes (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll)
    return predicate()


def reached(read: Callable[[], int], target: float) -> Callable[[], bool]:
    """A predicate: the counter `read` has reached `target`."""
    return lambda: read() >= target


class Timeline:
    """A counter sampled every `interval` seconds on a thread: rates and stalls after the fact."""

    def __init__(self, read: Callable[[], int], interval: float = 0.05) -> None:
        self._read = read
        self._interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="timeline", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), self._read()))
            self._stop.wait(self._interval)

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join()

    def at(self, moment: float) -> int:
        """The count at `moment` (the last sample taken by then)."""
        value = 0
        for stamp, count in self.samples:
            if stamp > moment:
                break
            value = count
        return value

    def rate(self, start: float, end: float) -> float:
        """Counted per second between two moments."""
        return (self.at(end) - self.at(start)) / max(end - start, 1e-9)

    def first_progress_after(self, moment: float) -> float | None:
        """When the count first rose above its value at `moment`."""
        base = self.at(moment)
        return next((s for s, c in self.samples if s > moment and c > base), None)

    def progressed_after(self, moment: float) -> Callable[[], bool]:
        """A predicate: the count has risen since `moment`."""
        return lambda: self.first_progress_after(moment) is not None

    def longest_stall(self, start: float, end: float) -> float:
        """The longest span within [start, end] with no progress."""
        longest, since, last = 0.0, start, self.at(start)
        for stamp, count in self.samples:
            if stamp <= start or stamp > end:
                continue
            if count > last:
                longest, since, last = max(longest, stamp - since), stamp, count
        return max(longest, end - since)


@dataclass(frozen=True)
class LedgerAudit:
    """What the ledger holds of the drill gateway's events, counted by seq."""

    rows: int
    lost: int  # seqs in 1..expected with no row
    duplicated: int  # rows beyond one per seq
    gaps: int  # gaps the hub itself reports for the gateway
    events_total: int
    health: dict[str, Any] | None

    def figures(self) -> dict[str, object]:
        """Figures for the outcome line."""
        return {"stored": self.rows, "lost": self.lost, "duplicated": self.duplicated,
                "seq_gaps": self.gaps}

    def check(self, outcome: Outcome, expected: int) -> None:
        """Nothing lost, nothing twice, no gap, and the hub's own total agrees."""
        outcome.check(self.lost == 0, f"{self.lost} lost")
        outcome.check(self.duplicated == 0, f"{self.duplicated} duplicated")
        outcome.check(self.gaps == 0, f"{self.gaps} seq gap(s)")
        outcome.check(self.rows == expected, f"{self.rows} stored of {expected}")
        outcome.check(self.events_total == expected, f"hub counts {self.events_total}")


def audit_ledger(url: str, expected: int) -> LedgerAudit:
    """Count the drill gateway's rows, distinct seqs and the seqs 1..expected present."""
    engine = create_ledger_engine(url)
    try:
        with engine.connect() as connection:
            rows, distinct, present = connection.execute(
                text("SELECT COUNT(*), COUNT(DISTINCT seq), "
                     "COUNT(DISTINCT CASE WHEN seq BETWEEN 1 AND :n THEN seq END) "
                     "FROM events WHERE site = :site AND gateway = :gateway"),
                {"n": expected, "site": SITE, "gateway": GATEWAY},
            ).one()
    finally:
        engine.dispose()
    ledger = Ledger.open(url)
    try:
        view = next((g for g in ledger.list_gateways() if g.gateway == GATEWAY), None)
    finally:
        ledger.close()
    return LedgerAudit(
        rows=int(rows), lost=expected - int(present), duplicated=int(rows) - int(distinct),
        gaps=len(view.gaps) if view else 0, events_total=view.events_total if view else 0,
        health=view.health if view else None,
    )


class InProcessHub:
    """A hub built and started in this process (its counters are read directly)."""

    def __init__(self, work: Path, broker_port: int, ledger_url: str, **overrides: Any) -> None:
        settings = load_hub_settings(
            None, ledger_url=ledger_url, media_dir=str(work / "media"),
            broker={"port": broker_port, "client_id": "hub-drill"}, api={"port": 0},
            auth=TEST_AUTH, **overrides,
        )
        self._stop = threading.Event()
        self.hub: Hub = build_hub(settings)
        self.hub.start(self._stop, serve_api=False)
        if not self.hub.subscriber.wait_connected(20):
            raise RuntimeError("hub did not connect to the broker")

    @property
    def stored(self) -> int:
        """Events committed to the ledger (duplicates not counted)."""
        return self.hub.ingest.counters.events_stored

    def close(self) -> None:
        """Stop the hub."""
        self._stop.set()
        self.hub.close()


def agent_config(
    work: Path, broker_port: int, events: int, *, chunk: int = 250, pause_s: float = 0.0
) -> Path:
    """The YAML of a real agent whose counting source emits `events` sensor events."""
    config = {
        "site": SITE, "gateway": GATEWAY, "site_key": SITE_KEY, "log_level": "INFO",
        "health_interval_s": 1,
        "broker": {"host": "127.0.0.1", "port": broker_port, "keepalive_s": 5,
                   "reconnect_min_s": 0.1, "reconnect_max_s": 0.5},
        "outbox": {"path": str(work / "agent" / "outbox.db")},
        "sources": [{"type": "python", "name": "counter", "count": events, "chunk": chunk,
                     "pause_s": pause_s, "target": "tests.support.counting_source:CountingSource"}],
    }
    path = work / "agent.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def agent_drained(work: Path, events: int) -> bool:
    """The agent's outbox has given every event a seq and holds none of them any more."""
    return outbox_state(work / "agent" / "outbox.db") == (0, events)


def stream_time(events: int, chunk: int, pause_s: float) -> float:
    """Seconds the counting source needs, at least, to emit `events`."""
    return events / chunk * pause_s


def broker_faults(work: Path, events: int, sig: signal.Signals, kills: int = 5) -> Outcome:
    """Kill (or stop) the broker `kills` times while the agent streams `events`."""
    outcome = Outcome("broker-kills" if sig == signal.SIGKILL else "broker-terms")
    broker = MosquittoServer(work / "mosquitto", free_port(), extra_config=DURABLE_BROKER).start()
    ledger_url = f"sqlite:///{work / 'ledger.db'}"
    hub = InProcessHub(work, broker.port, ledger_url)
    chunk, pause_s = 100, 0.05  # about 2,000 events/s offered: the faults land mid-stream
    agent = AgentProcess(agent_config(work, broker.port, events, chunk=chunk, pause_s=pause_s),
                         work / "agent.log")
    down: list[float] = []
    at_kill: list[int] = []
    try:
        for k in range(1, kills + 1):
            threshold = events * k // (kills + 2)
            if not eventually(reached(lambda: hub.stored, threshold), 120):
                outcome.check(False, f"stored {hub.stored} < {threshold} before fault {k}")
                break
            at_kill.append(hub.stored)
            started = time.monotonic()
            broker.kill() if sig == signal.SIGKILL else broker.stop()
            broker.start()
            down.append(time.monotonic() - started)
        timeout = 120 + 2 * stream_time(events, chunk, pause_s)
        drained = eventually(
            lambda: agent_drained(work, events) and hub.stored >= events, timeout, 0.5)
        outcome.check(drained, f"not drained in {timeout:.0f} s")
        time.sleep(3)  # late redeliveries would show up as duplicates now
        outcome.figures["agent_outbox"] = outbox_state(work / "agent" / "outbox.db")
    finally:
        agent.signal(signal.SIGTERM)
        hub.close()
        broker.kill()
    outcome.check(all(stored < events for stored in at_kill), "a fault came after the stream")
    audit = audit_ledger(ledger_url, events)
    outcome.figures = {"events": events, **audit.figures(), "faults": len(down),
                       "stored_at_fault": at_kill, "broker_down_s": down, **outcome.figures}
    audit.check(outcome, events)
    return outcome


def broker_kills(work: Path, events: int) -> Outcome:
    """Mosquitto SIGKILLed five times mid-stream (durable autosave configured)."""
    return broker_faults(work, events, signal.SIGKILL)


def broker_terms(work: Path, events: int) -> Outcome:
    """Mosquitto SIGTERMed five times mid-stream."""
    return broker_faults(work, events, signal.SIGTERM)


def hub_kills(work: Path, events: int, kills: int = 3) -> Outcome:
    """`sitewatch hub` SIGKILLed `kills` times mid-ingest and started again each time."""
    outcome = Outcome("hub-kills")
    broker = MosquittoServer(work / "mosquitto", free_port()).start()
    ledger_url = f"sqlite:///{work / 'ledger.db'}"
    ledger = Ledger.open(ledger_url)
    ledger.migrate()
    api_port = free_port()
    config = work / "hub.yaml"
    config.write_text(yaml.safe_dump({
        "ledger_url": ledger_url, "media_dir": str(work / "media"),
        "broker": {"port": broker.port, "client_id": "hub-drill"}, "api": {"port": api_port},
        "auth": TEST_AUTH,
    }))
    hub = HubProcess(config, api_port)
    hub.start()
    chunk, pause_s = 100, 0.05  # about 2,000 events/s offered: the faults land mid-stream
    agent = AgentProcess(agent_config(work, broker.port, events, chunk=chunk, pause_s=pause_s),
                         work / "agent.log")
    restart_s: list[float] = []
    at_kill: list[int] = []
    try:
        for k in range(1, kills + 1):
            threshold = events * k // (kills + 1)
            if not eventually(reached(ledger.event_count, threshold), 180, 0.05):
                outcome.check(False, f"stored {ledger.event_count()} < {threshold} before kill {k}")
                break
            at_kill.append(ledger.event_count())
            hub.kill()
            started = time.monotonic()
            hub.start()  # returns once /readyz answers: subscribed again
            restart_s.append(time.monotonic() - started)
        timeout = 120 + 2 * stream_time(events, chunk, pause_s)
        drained = eventually(
            lambda: agent_drained(work, events) and ledger.event_count() >= events, timeout, 0.5)
        outcome.check(drained, f"not drained in {timeout:.0f} s")
        time.sleep(3)
    finally:
        agent.signal(signal.SIGTERM)
        hub.stop()
        ledger.close()
        broker.kill()
    outcome.check(all(stored < events for stored in at_kill), "a kill came after the stream")
    audit = audit_ledger(ledger_url, events)
    outcome.figures = {"events": events, **audit.figures(), "kills": len(at_kill),
                       "stored_at_kill": at_kill, "hub_restart_s": restart_s}
    audit.check(outcome, events)
    return outcome


def _postgres_gone(server: PostgresServer) -> bool:
    """No process of this cluster is left (backends outlive a SIGKILLed postmaster a while)."""
    for process in psutil.process_iter(["name"]):
        try:
            if process.info["name"] == "postgres" and Path(process.cwd()) == server.datadir:
                return False
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return True


def postgres_restart(work: Path, events: int, down_s: float = 5.0) -> Outcome:
    """PostgreSQL stopped fast, then kill -9ed, each for `down_s`, while ingest runs."""
    outcome = Outcome("postgres-restart")
    server = PostgresServer().start()  # its own directory: initdb runs as "postgres"
    ledger_url = server.create_database("drill")
    broker = MosquittoServer(work / "mosquitto", free_port()).start()
    hub = InProcessHub(work, broker.port, ledger_url)
    timeline = Timeline(lambda: hub.stored)
    chunk, pause_s = 250, 0.1
    agent = AgentProcess(agent_config(work, broker.port, events, chunk=chunk, pause_s=pause_s),
                         work / "agent.log")
    outages = (("fast", signal.SIGINT, 0.25), ("kill9", signal.SIGKILL, 0.6))
    marks: list[tuple[str, float, float]] = []
    try:
        for name, sig, share in outages:
            if not eventually(reached(lambda: hub.stored, events * share), 180):
                outcome.check(False, f"stored {hub.stored} before the {name} outage")
                break
            stopped = time.monotonic()
            server.stop(sig)
            if sig == signal.SIGKILL:
                outcome.check(eventually(lambda: _postgres_gone(server), 30),
                              "backends outlived the postmaster")
            time.sleep(max(0.0, down_s - (time.monotonic() - stopped)))
            started = time.monotonic()
            server.start()
            marks.append((name, stopped, started))
            outcome.check(eventually(timeline.progressed_after(started), 120),
                          f"no progress after the {name} restart")
        timeout = 120 + 2 * stream_time(events, chunk, pause_s)
        drained = eventually(
            lambda: agent_drained(work, events) and hub.stored >= events, timeout, 0.5)
        outcome.check(drained, f"not drained in {timeout:.0f} s")
        time.sleep(3)
    finally:
        timeline.stop()
        agent.signal(signal.SIGTERM)
        hub.close()
        broker.kill()
        try:
            audit = audit_ledger(ledger_url, events)
        finally:
            server.destroy()
    pauses: dict[str, object] = {}
    for name, stopped, started in marks:
        resumed = timeline.first_progress_after(started)
        pauses[f"{name}_pg_down_s"] = started - stopped
        if resumed is not None:
            # From the stop until the first commit after it; and from the restart until then.
            pauses[f"{name}_pause_s"] = resumed - stopped
            pauses[f"{name}_resume_after_start_s"] = resumed - started
    outcome.figures = {"events": events, **audit.figures(), **pauses}
    audit.check(outcome, events)
    return outcome


def timeseries_down(work: Path, events: int, outage_s: float = 60.0) -> Outcome:
    """VictoriaMetrics (the hub's InfluxDB v2 endpoint) stopped for `outage_s` mid-stream."""
    outcome = Outcome("timeseries-down")
    metrics = VictoriaMetricsServer(work / "victoria-metrics").start()
    broker = MosquittoServer(work / "mosquitto", free_port()).start()
    ledger_url = f"sqlite:///{work / 'ledger.db'}"
    hub = InProcessHub(work, broker.port, ledger_url, timeseries={
        "enabled": True, "url": metrics.url, "org": "sitewatch", "bucket": "sitewatch",
        "batch_size": 1000, "flush_interval_s": 0.2, "retry_min_s": 0.5, "retry_max_s": 5.0,
        "timeout_s": 5.0, "spool_path": str(work / "timeseries-spool.db"),
    })
    writer = hub.hub.timeseries
    assert writer is not None
    timeline = Timeline(lambda: hub.stored)
    # Paced so the stream outlasts the outage: about 1,000 events/s offered.
    chunk, pause_s = 100, 0.1
    agent = AgentProcess(agent_config(work, broker.port, events, chunk=chunk, pause_s=pause_s),
                         work / "agent.log")
    stopped = started = 0.0
    try:
        if eventually(lambda: hub.stored >= events // 5, 180):
            stopped = time.monotonic()
            metrics.stop()
            time.sleep(outage_s)
            started = time.monotonic()
            outcome.figures["stored_during_outage"] = timeline.at(started) - timeline.at(stopped)
            outcome.figures["failed_writes"] = writer.counters.failed_writes
            outcome.figures["spooled_points_at_return"] = writer.counters.spool_points
            metrics.start()
        else:
            outcome.check(False, "stream too slow to reach the outage")
        timeout = 120 + 2 * stream_time(events, chunk, pause_s)
        drained = eventually(
            lambda: agent_drained(work, events) and hub.stored >= events, timeout, 0.5)
        outcome.check(drained, f"not drained in {timeout:.0f} s")
        delivered = eventually(lambda: writer.counters.spool_depth == 0, 180, 0.5)
        outcome.check(delivered, f"spool still holds {writer.counters.spool_depth} batch(es)")
        series = f'sensor_value{{site="{SITE}",gateway="{GATEWAY}"}}'
        eventually(lambda: metrics.sample_count(series) >= events, 60, 1.0)
        time.sleep(3)
        values = [v for s in metrics.export(series) for v in s["values"]]
    finally:
        timeline.stop()
        agent.signal(signal.SIGTERM)
        hub.close()
        broker.kill()
        metrics.stop()
    audit = audit_ledger(ledger_url, events)
    rate_before = timeline.rate(stopped - 15, stopped) if stopped else 0.0
    rate_during = timeline.rate(stopped, started) if stopped else 0.0
    distinct = len(set(values))
    outcome.figures = {
        "events": events, **audit.figures(), "ledger_rate_before": rate_before,
        "ledger_rate_during_outage": rate_during,
        "longest_ledger_stall_in_outage_s": timeline.longest_stall(stopped, started),
        "outage_s": started - stopped, **outcome.figures, "points": len(values),
        "points_lost": events - distinct, "points_twice": len(values) - distinct,
    }
    audit.check(outcome, events)
    outcome.check(rate_during >= 0.8 * rate_before, "ledger slowed down during the outage")
    outcome.check(distinct == events, f"{events - distinct} point(s) missing")
    outcome.check(len(values) == distinct, f"{len(values) - distinct} point(s) twice")
    return outcome


ACCESS_PER_ROUND = 20


class MixedSource(Source):
    """Per round: a 20 KB snapshot (NORMAL), 20 access events (HIGH), a motion event (LOW)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rounds = 0
        self.high_accepted = 0
        self.high_refused = 0
        self.quiet = threading.Event()  # set: stop emitting, keep running

    def run(self, sink: EventSink, stop: threading.Event) -> None:
        """Emit rounds every 2 ms until told to be quiet, then idle until stop."""
        while not stop.is_set() and not self.quiet.is_set():
            self.rounds += 1
            now = datetime.now(UTC)
            picture = self.rounds.to_bytes(8, "big") * 2560
            try:
                media: tuple[Any, ...] = (sink.emit_media(picture, "image/jpeg", "snapshot"),)
            except OutboxFull:
                media = ()
            access = [Draft("access", "gate-1", now, {
                "subject": None, "credential": {"type": "card", "ref": "c" * 64},
                "direction": "in", "result": "granted"}, media=media if i == 0 else ())
                for i in range(ACCESS_PER_ROUND)]
            motion = Draft("camera", "cam-1", now, {"type": "motion", "count": 0},
                           priority=Priority.LOW)
            try:
                sink.emit([*access, motion])
                self.high_accepted += len(access)
            except OutboxFull:
                self.high_refused += len(access)
            stop.wait(0.002)
        stop.wait()


def _mount_tmpfs(directory: Path, size: str) -> bool:
    directory.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        log.warning("mount refused: %s", done.stderr.decode().strip())
    return done.returncode == 0


def _fill(directory: Path) -> int:
    """Write a ballast file until the disk refuses (ENOSPC); return its size."""
    written = 0
    block = b"\0" * 65536
    with (directory / "ballast").open("wb", buffering=0) as ballast:
        try:
            while True:
                written += ballast.write(block)
        except OSError:
            pass
    return written


def count_kind(url: str, kind: str) -> int:
    """Events of one kind the ledger holds for the drill gateway."""
    engine = create_ledger_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(
                text("SELECT COUNT(*) FROM events WHERE gateway = :gateway AND kind = :kind"),
                {"gateway": GATEWAY, "kind": kind},
            ).scalar_one())
    finally:
        engine.dispose()


def disk_full(work: Path, events: int) -> Outcome:
    """The outbox's disk fills up with the broker down; then the disk is made really full.

    A: broker down, the mixed source fills the outbox until the disk (a 32 MiB tmpfs, less
    than the default 512 MiB budget) refuses access events. B: a ballast file takes every
    byte left (ENOSPC). C: the broker returns while the disk is still full: the outbox must
    drain. D: the ballast goes, new events are taken again. Then everything kept arrives.
    """
    del events  # the disk's size decides how many events this drill takes
    outcome = Outcome("disk-full")
    disk = work / "disk"
    if not _mount_tmpfs(disk, "32m"):
        outcome.check(False, "cannot mount a tmpfs here (root and mount needed)")
        return outcome
    outcome.figures["disk"] = "tmpfs 32 MiB"
    broker = MosquittoServer(work / "mosquitto", free_port()).start()
    ledger_url = f"sqlite:///{work / 'ledger.db'}"
    hub = InProcessHub(work, broker.port, ledger_url)
    broker.stop()  # the gateway is cut off: everything stays in its outbox
    source = MixedSource("mixed")
    settings = load_settings(
        None, environment="development", site=SITE, gateway=GATEWAY, site_key=SITE_KEY,
        broker={"host": "127.0.0.1", "port": broker.port, "keepalive_s": 5,
                "reconnect_min_s": 0.1, "reconnect_max_s": 0.5},
        outbox={"path": str(disk / "outbox.db")}, health_interval_s=1,
        sources=[{"type": "mixed"}],
    )
    agent: Agent = build_agent(settings, factories={**SOURCE_FACTORIES,
                                                    "mixed": lambda cfg, ctx: source})
    stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(stop,), name="agent")
    thread.start()
    dropped = agent.outbox.dropped
    try:
        # A: full by the outbox's own writing.
        refused = eventually(lambda: dropped().get("events_refused", 0) >= 50, 120)
        outcome.check(refused, f"no access events refused on a full disk: {dropped()}")
        outcome.figures["A_free_bytes"] = shutil.disk_usage(disk).free
        outcome.figures["A_depth"] = agent.outbox.depth()
        outcome.figures["A_dropped"] = dict(dropped())
        # B: really full.
        outcome.figures["B_ballast_bytes"] = _fill(disk)
        refused_before = source.high_refused
        outcome.check(eventually(lambda: source.high_refused >= refused_before + 50, 30),
                      "no refusals on a really full disk")
        outcome.check(thread.is_alive(), "the agent stopped on a full disk")
        # C: the broker returns; the disk is still full.
        broker.start()
        seq_c = agent.outbox.last_seq(GATEWAY)
        drained = eventually(lambda: hub.stored >= seq_c, 120)
        outcome.check(drained, f"kept events not delivered on a full disk: {hub.stored}/{seq_c}")
        outcome.figures["C_delivered_on_full_disk"] = hub.stored
        # D: space returns; new access events are taken again.
        (disk / "ballast").unlink()
        accepted = source.high_accepted
        outcome.check(eventually(lambda: source.high_accepted >= accepted + 100, 30),
                      "no new events taken once space returned")
        source.quiet.set()
        health = agent.health()
        last_seq = agent.outbox.last_seq(GATEWAY)
        drained = eventually(lambda: agent.outbox.depth() == 0 and hub.stored >= last_seq, 120)
        outcome.check(drained, f"kept records not delivered: depth {agent.outbox.depth()}")
        outcome.check(thread.is_alive(), "the agent stopped")
        # The health reports since reconnecting carry the counts to the hub.
        eventually(lambda: bool((audit_ledger(ledger_url, last_seq).health or {})
                                .get("dropped", {}).get("disk_full")), 15, 0.5)
    finally:
        stop.set()
        thread.join(timeout=20)
        hub.close()
        broker.kill()
        subprocess.run(["umount", str(disk)], check=False)
    audit = audit_ledger(ledger_url, last_seq)
    hub_health = audit.health or {}
    sources = health.sources.get("mixed", {})
    access_stored = count_kind(ledger_url, "access")
    outcome.figures.update({
        "rounds": source.rounds, "access_accepted": source.high_accepted,
        "access_refused": source.high_refused, "access_stored": access_stored,
        "dropped_in_health": health.dropped, **audit.figures(),
        "source_restarts": sources.get("restarts", 0),
    })
    audit.check(outcome, last_seq)
    for reason in ("low_events_shed", "events_refused", "media_shed", "disk_full"):
        outcome.check(health.dropped.get(reason, 0) > 0, f"health says nothing of {reason}")
    outcome.check(bool(hub_health.get("dropped", {}).get("disk_full")),
                  "the hub never heard of the full disk")
    outcome.check(sources.get("restarts", 0) == 0, "the source crashed")
    # Every access event the outbox took reached the ledger; only LOW ones were shed.
    outcome.check(access_stored == source.high_accepted,
                  f"{source.high_accepted - access_stored} accepted access event(s) missing")
    return outcome


DRILLS: dict[str, Callable[[Path, int], Outcome]] = {
    "broker-kills": broker_kills,
    "broker-terms": broker_terms,
    "hub-kills": hub_kills,
    "postgres-restart": postgres_restart,
    "timeseries-down": timeseries_down,
    "disk-full": disk_full,
}


def run_drill(name: str, events: int, keep: bool) -> Outcome:
    """One drill in a fresh directory (kept if it failed or `keep`)."""
    work = Path(tempfile.mkdtemp(prefix=f"sitewatch-drill-{name}-"))
    handler = logging.FileHandler(work / "drill.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(threadName)s %(name)s %(message)s"))
    logging.getLogger().addHandler(handler)
    started = time.monotonic()
    try:
        outcome = DRILLS[name](work, events)
    except Exception as exc:  # a drill that blew up is a failed drill, with its reason
        log.exception("drill %s raised", name)
        outcome = Outcome(name, failures=[f"raised {type(exc).__name__}: {exc}"])
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    outcome.figures["drill_s"] = time.monotonic() - started
    if keep or not outcome.ok:
        outcome.figures["workdir"] = str(work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return outcome


def main(argv: list[str] | None = None) -> int:
    """Run the chosen drills; 0 if every one passed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drill", choices=sorted(DRILLS), action="append",
                        help="drill to run (repeatable; default: all)")
    parser.add_argument("--events", type=int, default=100_000, help="events per drill")
    parser.add_argument("--keep", action="store_true", help="keep each drill's directory")
    args = parser.parse_args(argv)
    logging.getLogger().setLevel(logging.INFO)
    failed = 0
    for name in args.drill or list(DRILLS):
        outcome = run_drill(name, args.events, args.keep)
        print(outcome.line(), flush=True)
        failed += not outcome.ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
