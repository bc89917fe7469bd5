"""A hub killed with SIGKILL mid-stream and restarted loses nothing and stores nothing twice."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from hub.ledger import Ledger
from sitewatch.bench.mqtt_baseline import publish_all
from tests.support.auth import TEST_AUTH, add_user, token_headers
from tests.support.envelopes import access_event, encode
from tests.support.servers import MosquittoServer, free_port

EVENTS = 20_000


class HubProcess:
    """`sitewatch hub` as a child process with its API on a known port."""

    def __init__(self, config: Path, api_port: int) -> None:
        self.config = config
        self.api = f"http://127.0.0.1:{api_port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.headers: dict[str, str] = {}

    def start(self) -> None:
        """Start and wait until it is subscribed (readyz)."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sitewatch.cli", "hub", "--config", str(self.config)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.api}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError("hub did not become ready")

    def sign_in(self, username: str) -> None:
        """Take a token for later requests; it outlives restarts (the secret is configured)."""
        with httpx.Client(base_url=self.api, timeout=10) as client:
            self.headers = token_headers(client, username)

    def gateways(self) -> list[dict[str, Any]]:
        """The hub's gateways, as an admin sees them."""
        response = httpx.get(f"{self.api}/api/v1/gateways", headers=self.headers, timeout=5)
        response.raise_for_status()
        gateways: list[dict[str, Any]] = response.json()
        return gateways

    def stored(self) -> int:
        """Events the hub reports stored (sum over gateways)."""
        return sum(g["events_total"] for g in self.gateways())

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, uncommitted work is lost by the process."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM and wait."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def test_hub_sigkill_mid_stream_loses_and_duplicates_nothing(
    tmp_path: Path, mosquitto: MosquittoServer
) -> None:
    ledger_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    config = tmp_path / "hub.yaml"
    api_port = free_port()
    config.write_text(yaml.safe_dump({
        "ledger_url": ledger_url,
        "media_dir": str(tmp_path / "media"),
        "broker": {"port": mosquitto.port, "client_id": "hub-crash-test"},
        "api": {"port": api_port},
        "auth": TEST_AUTH,
    }))
    admin = Ledger.open(ledger_url)
    admin.migrate()
    admin.close()
    add_user(ledger_url, "crash-admin", "admin")
    hub = HubProcess(config, api_port)
    hub.start()
    hub.sign_in("crash-admin")
    topic = "sitewatch/v1/park/gw-1/events"
    messages = [(topic, encode(access_event("park", "gw-1", s))) for s in range(1, EVENTS + 1)]
    publisher = threading.Thread(target=publish_all, args=(mosquitto.port, messages))
    publisher.start()

    deadline = time.monotonic() + 60
    while hub.stored() < EVENTS // 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    stored_before_kill = hub.stored()
    hub.kill()
    assert 0 < stored_before_kill < EVENTS, "the kill must land mid-stream"

    hub.start()
    publisher.join(timeout=120)
    deadline = time.monotonic() + 120
    while hub.stored() < EVENTS and time.monotonic() < deadline:
        time.sleep(0.1)
    [gateway] = hub.gateways()
    hub.stop()

    assert gateway["events_total"] == EVENTS
    assert gateway["gaps"] == []
    ledger = Ledger.open(ledger_url)
    try:
        assert ledger.event_count() == EVENTS  # ids are the primary key: no duplicates
    finally:
        ledger.close()
