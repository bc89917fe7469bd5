"""Measure: the agent draining a 50,000-event outbox versus a bare paho QoS 1 publisher.

Run from the repository root:  .venv/bin/python -m tests.perf.outbox_replay [--events N]

One fresh Mosquitto serves every run. Each run has its own subscriber (QoS 1, persistent
session, in a separate process) counting distinct seqs. Rates are events per second from
the start of publishing (for the agent: from Agent.run, connecting included) until the
broker has acknowledged everything ("acked") and until the subscriber has every seq
("arrived").
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from edge_agent.bootstrap import build_agent
from edge_agent.outbox import Outbox, Stamp
from edge_agent.settings import AgentSettings
from tests.support.counting_source import sensor_draft
from tests.support.mqtt_probe import MqttProbe
from tests.support.servers import MosquittoServer

SITE = "park-1"


class Arrivals:
    """A subscriber in its own process (so it takes no GIL from the publisher) counting seqs."""

    def __init__(self, port: int, topic: str, client_id: str, expected: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._ready, self._done = context.Event(), context.Queue()
        self._process = context.Process(
            target=_count_arrivals,
            args=(port, topic, client_id, expected, self._ready, self._done),
        )
        self._process.start()
        if not self._ready.wait(30):
            raise TimeoutError("subscriber did not come up")

    def arrived_at(self) -> float:
        """The monotonic time (system-wide on Linux) the last distinct seq arrived."""
        stamp: float = self._done.get(timeout=300)
        self._process.join()
        return stamp


def _count_arrivals(
    port: int, topic: str, client_id: str, expected: int, ready: Any, done: Any
) -> None:
    probe = MqttProbe(port, [topic], client_id=client_id)
    ready.set()
    while len(probe.seqs) < expected:
        time.sleep(0.002)
    done.put(time.monotonic())
    probe.stop()


@dataclass
class Result:
    """Timings of one run."""

    name: str
    events: int
    acked_s: float
    arrived_s: float

    def line(self, baseline: Result | None) -> str:
        """One printable line, with the ratio to the baseline's arrival rate."""
        rate, acked = self.events / self.arrived_s, self.events / self.acked_s
        ratio = ""
        if baseline:
            ratio = f"   {rate / (baseline.events / baseline.arrived_s):.2f}x windowed bare"
        return f"{self.name:<38} acked {acked:>9,.0f} ev/s   arrived {rate:>9,.0f} ev/s{ratio}"


def prefill(path: Path, gateway: str, events: int) -> list[bytes]:
    """Fill an outbox with `events` events; return their stored payloads."""
    outbox = Outbox(path, max_bytes=1 << 34)
    stamp = Stamp(SITE, gateway, time.time())
    for start in range(0, events, 1000):
        chunk = [sensor_draft(i) for i in range(start, min(start + 1000, events))]
        outbox.append_events(chunk, stamp)
    payloads = [r.payload for r in outbox.peek(events)]
    outbox.close()
    return payloads


def run_bare(port: int, payloads: list[bytes], window: int | None) -> Result:
    """A bare paho client publishing every payload at QoS 1, one per message.

    With `window`, it keeps at most that many unacknowledged (as the agent does); without,
    it hands paho all of them at once (paho's max_inflight is 1000 either way).
    """
    label = f"window-{window}" if window else "all-queued"
    topic = f"bench/v1/{SITE}/{label}/events"
    arrivals = Arrivals(port, topic, f"bench-probe-{label}", len(payloads))
    done, acked = threading.Event(), [0]
    slots = threading.Semaphore(window or len(payloads))

    def on_publish(client: mqtt.Client, userdata: Any, mid: int, rc: Any, props: Any) -> None:
        acked[0] += 1
        slots.release()
        if acked[0] == len(payloads):
            done.set()

    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, f"bench-{label}", protocol=MQTTProtocolVersion.MQTTv5
    )
    client.max_inflight_messages_set(1000)
    client.on_publish = on_publish
    client.connect("127.0.0.1", port)
    client.loop_start()
    while not client.is_connected():
        time.sleep(0.01)
    started = time.monotonic()
    for payload in payloads:
        slots.acquire()
        client.publish(topic, payload, qos=1)
    done.wait()
    acked_s = time.monotonic() - started
    arrived_s = arrivals.arrived_at() - started
    client.disconnect()
    client.loop_stop()
    return Result(f"bare paho, {label} (1 per msg)", len(payloads), acked_s, arrived_s)


def run_agent(
    port: int, workdir: Path, events: int, name: str, gateway: str, **delivery: int
) -> Result:
    """The agent, with no sources, draining a pre-filled outbox."""
    path = workdir / f"{gateway}.db"
    prefill(path, gateway, events)
    topic = f"sitewatch/v1/{SITE}/{gateway}/events"
    arrivals = Arrivals(port, topic, f"bench-probe-{gateway}", events)
    settings = AgentSettings(
        site=SITE, gateway=gateway, environment="development",
        broker={"host": "127.0.0.1", "port": port}, outbox={"path": path},
        delivery=delivery, health_interval_s=60,
    )
    agent = build_agent(settings)
    stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(stop,))
    started = time.monotonic()
    thread.start()
    while agent.pump.delivered < events:
        time.sleep(0.002)
    acked_s = time.monotonic() - started
    arrived_s = arrivals.arrived_at() - started
    stop.set()
    thread.join()
    return Result(f"agent, {name}", events, acked_s, arrived_s)


def main() -> None:
    """Run the four measurements against one broker and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    events = parser.parse_args().events
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        broker = MosquittoServer(workdir / "mosquitto").start()
        try:
            payloads = prefill(workdir / "payloads.db", "bare", events)
            queued = run_bare(broker.port, payloads, window=None)
            bare = run_bare(broker.port, payloads, window=1000)
            batched = run_agent(broker.port, workdir, events, "batched (defaults)", "gw-batched")
            single = run_agent(
                broker.port, workdir, events, "unbatched (1 per msg)", "gw-single",
                batch_threshold=1_000_000, batch_max=1_000_000,
            )
        finally:
            broker.kill()
    print(f"{events:,} events, Mosquitto on 127.0.0.1, QoS 1")
    print(queued.line(None))
    print(bare.line(None))
    print(batched.line(bare))
    print(single.line(bare))


if __name__ == "__main__":
    main()
