"""The agent as a process (`python -m edge_agent`): SIGKILLed and restarted, nothing lost."""

from __future__ import annotations

import ctypes
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from tests.support.mqtt_probe import MqttProbe
from tests.support.servers import MosquittoServer

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PER_RUN = 5_000  # events the counting source emits each time the agent starts


def write_config(tmp_path: Path, port: int) -> Path:
    """The agent's YAML file: short keepalive so the last will fires fast."""
    config = {
        "site": "park-1",
        "gateway": "gw-9",
        "site_key": "test-site-key-0123456789",
        "log_level": "INFO",
        "health_interval_s": 1,
        "broker": {"host": "127.0.0.1", "port": port, "keepalive_s": 2,
                   "reconnect_min_s": 0.1, "reconnect_max_s": 0.5},
        "outbox": {"path": str(tmp_path / "state" / "outbox.db")},
        "sources": [{"type": "python", "name": "counter", "count": PER_RUN, "chunk": 250,
                     "target": "tests.support.counting_source:CountingSource"}],
    }
    path = tmp_path / "agent.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _die_with_parent() -> None:
    """In the child: get SIGKILL if the test process dies, so no agent outlives a test run."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class AgentProcess:
    """`python -m edge_agent --config FILE`, logging to a file in the test's directory."""

    def __init__(self, config: Path, log: Path, **env: str) -> None:
        environment = {**os.environ, "PYTHONPATH": str(REPO), **env}
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "edge_agent", "--config", str(config)],
            cwd=REPO, env=environment, stdout=self._log, stderr=self._log,
            preexec_fn=_die_with_parent,
        )

    def signal(self, sig: int) -> int:
        """Send `sig` and wait for the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=20)
        self._log.close()
        return code


@pytest.fixture
def agents() -> Iterator[Callable[..., AgentProcess]]:
    """Starts agent processes; whatever the test's outcome, none is left running."""
    started: list[AgentProcess] = []

    def start(config: Path, log: Path, **env: str) -> AgentProcess:
        started.append(AgentProcess(config, log, **env))
        return started[-1]

    yield start
    for agent in started:
        agent.signal(signal.SIGKILL)


def outbox_state(path: Path) -> tuple[int, int] | None:
    """(records pending, last seq given) read straight from the SQLite file, once it is made."""
    if not path.exists():
        return None
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        depth = db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        row = db.execute("SELECT last_seq FROM sequence").fetchone()
        return int(depth), int(row[0]) if row else 0
    except sqlite3.OperationalError:  # the agent is still creating the tables
        return None
    finally:
        db.close()


@pytest.fixture
def probe(mosquitto: MosquittoServer) -> Iterator[MqttProbe]:
    """Subscribed before the agent's first run, so its session queues everything."""
    subscriber = MqttProbe(mosquitto.port, ["sitewatch/v1/park-1/gw-9/#"], "probe-process")
    yield subscriber
    subscriber.stop()


def state(probe: MqttProbe) -> str | None:
    """The last status state the probe saw."""
    status = probe.last_status()
    return status["state"] if status else None


def test_agent_killed_mid_backlog_loses_nothing_and_never_reuses_a_seq(
    mosquitto: MosquittoServer,
    probe: MqttProbe,
    agents: Callable[..., AgentProcess],
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, mosquitto.port)
    outbox, log = tmp_path / "state" / "outbox.db", tmp_path / "agent.log"

    # 1. Broker down: the first run can only fill the outbox. Kill it once it has.
    mosquitto.stop()
    agent = agents(config, log)
    assert probe.wait_for(lambda: outbox_state(outbox) == (PER_RUN, PER_RUN), 30)
    assert agent.signal(signal.SIGKILL) == -signal.SIGKILL
    assert outbox_state(outbox) == (PER_RUN, PER_RUN)

    # 2. Broker back. One event per message, two in flight: a slow drain to kill into.
    mosquitto.start()
    slow = {"SITEWATCH_AGENT_DELIVERY__MAX_INFLIGHT": "2",
            "SITEWATCH_AGENT_DELIVERY__BATCH_THRESHOLD": "100000",
            "SITEWATCH_AGENT_DELIVERY__BATCH_MAX": "100000"}
    agent = agents(config, log, **slow)
    assert probe.wait_for(lambda: state(probe) == "online", 30)
    assert probe.wait_for(lambda: len(probe.seqs) >= 1_000, 30)
    assert agent.signal(signal.SIGKILL) == -signal.SIGKILL
    depth_at_kill, last_seq = outbox_state(outbox) or (0, 0)
    assert depth_at_kill > 0 and last_seq == 2 * PER_RUN
    # The last will: offline, retained, sent by the broker for the killed agent.
    assert probe.wait_for(lambda: state(probe) == "offline", 10)
    latecomer = MqttProbe(mosquitto.port, ["sitewatch/v1/park-1/gw-9/status"], "probe-late")
    assert latecomer.wait_for(lambda: state(latecomer) == "offline", 5)
    latecomer.stop()

    # 3. A normal run: the backlog drains, seq continues, SIGTERM stops it cleanly.
    agent = agents(config, log)
    assert probe.wait_for(lambda: len(probe.seqs) == 3 * PER_RUN, 60), len(probe.seqs)
    assert probe.wait_for(lambda: (outbox_state(outbox) or (-1, 0))[0] == 0, 15)
    assert state(probe) == "online"
    assert agent.signal(signal.SIGTERM) == 0
    assert probe.wait_for(lambda: state(probe) == "offline", 5)

    assert outbox_state(outbox) == (0, 3 * PER_RUN)
    assert probe.seqs == set(range(1, 3 * PER_RUN + 1))
    # A seq never names two events, even when its message was sent twice.
    assert all(len(ids) == 1 for ids in probe.ids_by_seq.values())
