"""A hub as its own process (`sitewatch hub`), as replicas run in production: killable.

Settings go in through the environment (`SITEWATCH_HUB_…`), exactly as an operator sets
them; the API listens on a port chosen here so readiness and /metrics can be read. The
hub runs in a process group of its own (it has a child: the MQTT receiver), so a kill
or a pause reaches all of it, as a supervisor's kill of a unit or container does, and
memory and CPU are counted for the whole group.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx
import psutil
from prometheus_client.parser import text_string_to_metric_families

from sitewatch.brokers import free_port
from tests.support.auth import TEST_AUTH


class HubProcess:
    """`python -m sitewatch.cli hub` with settings from the environment; start, kill, restart."""

    def __init__(
        self,
        *,
        ledger_url: str,
        broker_port: int,
        client_id: str,
        workdir: Path,
        share_group: str | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.client_id = client_id
        self.api_port = free_port()
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / f"{client_id}.log"
        self.env = {
            **os.environ,
            "SITEWATCH_HUB_LEDGER_URL": ledger_url,
            "SITEWATCH_HUB_MEDIA_DIR": str(workdir / "media"),
            "SITEWATCH_HUB_BROKER__PORT": str(broker_port),
            "SITEWATCH_HUB_BROKER__CLIENT_ID": client_id,
            "SITEWATCH_HUB_API__PORT": str(self.api_port),
            "SITEWATCH_HUB_AUTH__JWT_SECRET": TEST_AUTH["jwt_secret"],
            **({"SITEWATCH_HUB_BROKER__SHARE_GROUP": share_group} if share_group else {}),
            **(extra_env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of its API."""
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def pid(self) -> int:
        """The process id (while running)."""
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 60.0) -> HubProcess:
        """Start and wait until /readyz says the ledger and the broker are there."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sitewatch.cli", "hub"], env=self.env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hub {self.client_id} exited; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"hub {self.client_id} not ready after {timeout} s")

    def metrics(self) -> dict[str, float]:
        """Its /metrics samples by name (e.g. sitewatch_ingest_events_stored_total)."""
        text = httpx.get(f"{self.url}/metrics", timeout=10).text
        return {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}

    def events_stored(self) -> int:
        """New events this process has stored since it started."""
        return int(self.metrics().get("sitewatch_ingest_events_stored_total", 0))

    def main_rss(self) -> int:
        """Resident memory of the hub's own process (not its children), bytes."""
        return int(psutil.Process(self.pid).memory_info().rss)

    def open_database_files(self, name: str) -> int:
        """How many descriptors the hub's own process holds on files called `name`: one per
        open SQLite connection to a ledger file of that name."""
        try:
            files = psutil.Process(self.pid).open_files()
        except psutil.Error:
            return 0
        return sum(1 for f in files if Path(f.path).name == name)

    def _processes(self) -> list[psutil.Process]:
        main = psutil.Process(self.pid)
        return [main, *main.children(recursive=True)]

    def rss(self) -> int:
        """Resident memory of the hub and its children, bytes."""
        total = 0
        for process in self._processes():
            try:
                total += process.memory_info().rss
            except psutil.Error:
                continue
        return total

    def cpu_seconds(self) -> float:
        """User + system CPU time of the hub and its children so far."""
        total = 0.0
        for process in self._processes():
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                continue
        return total

    def pause(self) -> None:
        """SIGSTOP to the whole group: frozen, connection open; the broker queues for it."""
        self._signal_group(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT after `pause` (harmless when not paused or not running)."""
        self._signal_group(signal.SIGCONT)

    def _signal_group(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, sig)

    def kill(self) -> None:
        """SIGKILL to the whole group: a crash, no clean disconnect (the broker keeps its
        session)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        """SIGTERM: the hub finishes what it holds and disconnects."""
        self._signal(signal.SIGTERM)

    def _signal(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
