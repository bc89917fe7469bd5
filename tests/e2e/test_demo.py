"""`sitewatch demo` as a person runs it in a terminal: it starts, events flow, Ctrl-C stops
it cleanly, and the next start goes on with the data of the first."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from sitewatch.brokers import free_port
from sitewatch.demo import DEMO_USERS
from tests.support.auth import token_headers

ADMIN, ADMIN_PASSWORD, _ = DEMO_USERS[0]


class Demo:
    """One `sitewatch demo` run in a process group of its own, as a shell runs a job."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.api = f"http://127.0.0.1:{free_port()}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sitewatch.cli", "demo", "--data-dir", str(data_dir),
             "--port", self.api.rsplit(":", 1)[1],
             # A simulated minute a second: the park's evening is quiet at real speed.
             "--speed", "60"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, process_group=0,
        )
        self.output = ""

    def stored(self, timeout: float = 90) -> int:
        """Events the hub has stored, once its API answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with httpx.Client(base_url=self.api, timeout=5) as client:
                    headers = token_headers(client, ADMIN, ADMIN_PASSWORD)
                    gateways = client.get("/api/v1/gateways", headers=headers).json()
                    return sum(g["events_total"] for g in gateways)
            except httpx.HTTPError:
                time.sleep(0.5)
        raise TimeoutError("the demo's API did not answer")

    def wait_for_events(self, at_least: int, timeout: float = 90) -> int:
        """Poll until the hub has stored `at_least` events; how many it has then."""
        deadline = time.monotonic() + timeout
        while (stored := self.stored()) < at_least:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{stored} events stored, waited for {at_least}")
            time.sleep(0.5)
        return stored

    def ctrl_c(self) -> int:
        """What Ctrl-C in the terminal does: SIGINT to the job's whole process group."""
        os.killpg(self.process.pid, signal.SIGINT)
        out, _ = self.process.communicate(timeout=90)
        self.output = out.decode(errors="replace")
        return self.process.returncode

    def kill(self) -> None:
        """Leave nothing behind if the test failed half-way: the demo, and its broker,
        which runs in a process group of its own and would outlive a SIGKILLed demo."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        for process in psutil.process_iter(["cmdline"]):
            if any(str(self.data_dir) in part for part in process.info["cmdline"] or ()):
                with contextlib.suppress(psutil.Error):
                    process.kill()


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_the_demo_runs_stops_on_ctrl_c_and_keeps_its_data(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    first = Demo(data)
    try:
        first.wait_for_events(200)
        assert first.ctrl_c() == 0, first.output
    finally:
        first.kill()
    assert "stopped; data kept" in first.output
    broker_port = int(re.search(r"broker: \w+, port (\d+)", first.output).group(1))  # type: ignore[union-attr]
    assert not _port_open(broker_port)  # the broker went with it
    # Ctrl-C reached the demo, not the broker under it: the broker stopped after its
    # clients, so neither the agents nor the hub lost it (WARNING "lost the broker
    # connection: Unspecified error" before) and nothing else went wrong.
    log = (data / "demo.log").read_text()
    assert "WARNING" not in log and "ERROR" not in log, log

    again = Demo(data)
    try:
        # The first run's events are still there, and more come.
        kept = again.stored()
        assert kept >= 200
        again.wait_for_events(kept + 20)
        assert again.ctrl_c() == 0, again.output
    finally:
        again.kill()
    log = (data / "demo.log").read_text()
    assert "WARNING" not in log and "ERROR" not in log, log
