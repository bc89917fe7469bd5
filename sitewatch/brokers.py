"""A local MQTT broker for the embedded default: Mosquitto when installed, else amqtt in-process.

amqtt speaks MQTT 3.1.1 only, so a broker says which protocol version clients should use.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import threading
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Literal

MqttVersion = Literal["5", "3.1.1"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now, below the ephemeral range.

    Not one the kernel hands out (bind to port 0): a client reconnecting to a server port
    in the ephemeral range while nothing listens there can be given that very port as
    its own and connect to itself (TCP simultaneous open), and the server then cannot
    bind it again ("Address already in use"). Seen in a fault drill with a broker down.
    """
    low = _ephemeral_low()
    for _ in range(200):
        port = random.randrange(max(1024, low - 12_000), low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # the range below is crowded: fall back to the kernel's
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    """Block until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


class LocalBroker(ABC):
    """A broker this process started and will stop."""

    port: int
    mqtt_version: MqttVersion
    name: str

    @abstractmethod
    def start(self) -> LocalBroker:
        """Start and wait until it accepts connections."""

    @abstractmethod
    def stop(self) -> None:
        """Stop cleanly, keeping persisted sessions."""


class MosquittoProcess(LocalBroker):
    """Mosquitto as a child process, persistent, with unbounded per-client queues."""

    name = "mosquitto"
    mqtt_version: MqttVersion = "5"

    def __init__(self, workdir: Path, port: int | None = None, extra_config: str = "") -> None:
        self.binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.workdir = workdir
        self.port = port or free_port()
        self.extra_config = extra_config
        self.process: subprocess.Popen[bytes] | None = None
        self.config_path = workdir / "mosquitto.conf"
        self.log_path = workdir / "mosquitto.log"

    @staticmethod
    def available() -> bool:
        """Whether a Mosquitto binary is installed."""
        return shutil.which("mosquitto") is not None or Path("/usr/sbin/mosquitto").exists()

    def _write_config(self) -> None:
        # Queues unbounded: a hub's persistent session must hold a whole outage's backlog
        # (Mosquitto's default of 1000 queued messages would drop the rest).
        lines = [
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
            "persistence true",
            f"persistence_location {self.workdir}/",
            "max_queued_messages 0",
            "max_inflight_messages 0",
            f"log_dest file {self.log_path}",
            "log_type error",
            "log_type warning",
        ]
        if os.geteuid() == 0:
            lines.append("user root")  # otherwise it drops to 'mosquitto' and cannot write here
        self.config_path.write_text("\n".join(lines) + "\n" + self.extra_config)

    def start(self) -> MosquittoProcess:
        """Start (or restart) on the same port."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._write_config()
        self.process = subprocess.Popen(
            [self.binary, "-c", str(self.config_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # A process group of its own: a terminal's Ctrl-C goes to its owner only, which
            # stops it after its clients (`sitewatch demo`: agents, hub, then the broker), not
            # at the same instant as they try to finish their last exchanges with it.
            process_group=0,
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        """SIGTERM: Mosquitto writes its persistence file on the way out."""
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: no chance to save anything."""
        self._signal(signal.SIGKILL)

    def _signal(self, sig: int) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=15)
        self.process = None


class AmqttBroker(LocalBroker):
    """amqtt running on an event loop in a thread of this process (MQTT 3.1.1)."""

    name = "amqtt (in-process)"
    mqtt_version: MqttVersion = "3.1.1"

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="amqtt", daemon=True)
        self._broker: object | None = None

    def start(self) -> AmqttBroker:
        """Start the broker's loop and wait until it listens."""
        from amqtt.broker import Broker
        from amqtt.contexts import BrokerConfig, ListenerConfig

        config = BrokerConfig(
            listeners={"default": ListenerConfig(bind=f"127.0.0.1:{self.port}")},
            plugins={"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        )
        self._thread.start()

        async def boot() -> object:
            broker = Broker(config)
            await broker.start()
            return broker

        self._broker = asyncio.run_coroutine_threadsafe(boot(), self._loop).result(timeout=15)
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        """Shut the broker down and end its loop."""
        if self._broker is not None:
            shutdown = self._broker.shutdown()  # type: ignore[attr-defined]
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(shutdown, self._loop).result(timeout=10)
            self._broker = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


def start_local_broker(workdir: Path, port: int | None = None) -> LocalBroker:
    """Mosquitto if it is installed, otherwise amqtt in this process."""
    if MosquittoProcess.available():
        return MosquittoProcess(workdir, port).start()
    return AmqttBroker(port).start()
