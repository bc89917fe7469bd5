"""Benchmark: latency from an MQTT publish to the event's arrival on the live stream.

Run: .venv/bin/python -m tests.perf.live_latency [--rate 1000] [--seconds 30]
     [--poll-ms N] [--linger-ms N] [--no-alarms] [--target-ms 250]

Starts a Mosquitto of its own and a hub (SQLite ledger, alarms on) in a child process, as
in production: the hub's threads do not share an interpreter with the load. This process
signs in, opens the live stream, then publishes single-event messages at QoS 1 at --rate
for --seconds, each stamped with time.perf_counter() just before its publish (kept by
event id; CLOCK_MONOTONIC is one clock for the whole machine). Latency is the stream's
read time of the event minus that stamp. Reports p50/p95/p99/max and the count received;
exits non-zero if p99 exceeds --target-ms or an event did not arrive.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import random
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Event as ProcessEvent
from pathlib import Path
from typing import Any

import httpx
import orjson
import paho.mqtt.client as paho
import psutil
from paho.mqtt.enums import CallbackAPIVersion
from prometheus_client.parser import text_string_to_metric_families
from ulid import ULID

from hub.bootstrap import build_hub
from hub.settings import load_hub_settings
from tests.support.auth import TEST_AUTH, add_user, token_headers
from tests.support.servers import MosquittoServer
from tests.support.sse import SseMessage, SseReader

SITE, GATEWAY = "bench-park", "gw-1"
SUBJECTS = [hashlib.sha256(f"person-{n}".encode()).hexdigest() for n in range(1000)]


def run_hub(config: dict[str, Any], ports: Any, stop: ProcessEvent) -> None:
    """The child process: a hub built as `sitewatch hub` builds it, until `stop` is set."""
    poll_s = config.pop("poll_s")
    hub = build_hub(load_hub_settings(None, **config))
    if hub.live is not None:
        hub.live.poll_s = poll_s
    halt = threading.Event()
    hub.start(halt)
    ports.put(hub.wait_api())
    stop.wait()
    halt.set()
    hub.close()


def envelope(seq: int, ts: datetime, rng: random.Random) -> dict[str, Any]:
    """An access event (four in five) or a place scan at a normal temperature."""
    doc: dict[str, Any] = {
        "v": 1, "id": str(ULID()), "seq": seq, "ts": ts.isoformat(), "site": SITE,
        "gateway": GATEWAY, "device": f"gate-{rng.randrange(20)}",
        "subject": rng.choice(SUBJECTS),
    }
    if rng.random() < 0.8:
        doc |= {"kind": "access", "credential": {"type": "card"},
                "direction": rng.choice(["in", "out"]), "result": "granted"}
    else:
        doc |= {"kind": "place_scan", "method": "health_qr", "health": "green",
                "temperature_c": round(rng.uniform(35.8, 37.0), 1), "verdict": "pass"}
    return doc


def publish_paced(port: int, rate: float, seconds: float, sent: dict[str, float]) -> int:
    """Publish single-event messages at `rate` per second; stamp each in `sent` by id."""
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="", protocol=paho.MQTTv5)
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", port)
    client.loop_start()
    topic = f"sitewatch/v1/{SITE}/{GATEWAY}/events"
    rng = random.Random(7)
    total = int(rate * seconds)
    wall0, start = datetime.now(UTC), time.perf_counter()
    infos = []
    for n in range(total):
        due = start + n / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        doc = envelope(n + 1, wall0 + timedelta(seconds=n / rate), rng)
        payload = orjson.dumps(doc)
        sent[doc["id"]] = time.perf_counter()
        infos.append(client.publish(topic, payload, qos=1))
    for info in infos:
        info.wait_for_publish(30)
    client.disconnect()
    client.loop_stop()
    return total


def print_counters(api_port: int) -> None:
    """A few of the hub's own counters from /metrics: what else it did meanwhile."""
    text = httpx.get(f"http://127.0.0.1:{api_port}/metrics", timeout=10).text
    wanted = ("sitewatch_ingest_commits_total", "sitewatch_alarms_signals_total",
              "sitewatch_alarms_folded_total", "sitewatch_live_dropped_total")
    found = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}
    print("  hub counters: " + ", ".join(
        f"{name.removeprefix('sitewatch_')} {found.get(name, 0):.0f}" for name in wanted))


def percentile(ordered: list[float], fraction: float) -> float:
    """The value below which `fraction` of the sorted values lie (nearest rank)."""
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def main() -> int:
    """Run the benchmark; 0 if the target was met."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--poll-ms", type=float, default=None,
                        help="streams poll their queue this often instead of being woken")
    parser.add_argument("--linger-ms", type=float, default=None,
                        help="ingest's batch linger (default: the hub's setting)")
    parser.add_argument("--no-alarms", action="store_true", help="run the hub without rules")
    parser.add_argument("--target-ms", type=float, default=250.0, help="p99 target")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sitewatch-live-") as tmp:
        work = Path(tmp)
        broker = MosquittoServer(work / "mosquitto").start()
        ledger_url = f"sqlite:///{work / 'ledger.db'}"
        config: dict[str, Any] = {
            "ledger_url": ledger_url, "media_dir": str(work / "media"),
            "broker": {"port": broker.port, "client_id": "bench-hub"}, "api": {"port": 0},
            "auth": TEST_AUTH, "poll_s": None if args.poll_ms is None else args.poll_ms / 1000,
        }
        if args.no_alarms:
            config["alarms"] = {"enabled": False}
        if args.linger_ms is not None:
            config["ingest"] = {"batch_linger_s": args.linger_ms / 1000}
        spawn = multiprocessing.get_context("spawn")
        ports, stop = spawn.Queue(), spawn.Event()
        child = spawn.Process(target=run_hub, args=(config, ports, stop), name="hub")
        child.start()
        print(f"hub process {child.pid} (for py-spy)", flush=True)
        try:
            api_port = ports.get(timeout=60)
            hub_cpu = psutil.Process(child.pid)
            cpu_before = sum(hub_cpu.cpu_times()[:2])
            status = measure(args, api_port, ledger_url, broker.port)
            cpu = sum(hub_cpu.cpu_times()[:2]) - cpu_before
            print(f"  hub process CPU: {cpu:.1f} s over the run "
                  f"({100 * cpu / args.seconds:.0f}% of one core); load average "
                  f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            print_counters(api_port)
            return status
        finally:
            stop.set()
            child.join(30)
            if child.is_alive():
                child.kill()
            broker.kill()


def measure(args: argparse.Namespace, api_port: int, ledger_url: str, broker_port: int) -> int:
    """Open the stream, publish, and report; 0 if the target was met."""
    base = f"http://127.0.0.1:{api_port}"
    add_user(ledger_url, "bench-guard", "security")
    with httpx.Client(base_url=base, timeout=10) as client:
        headers = token_headers(client, "bench-guard")
    sent: dict[str, float] = {}
    latencies: list[float] = []
    dropped: list[SseMessage] = []
    done = threading.Event()
    total = int(args.rate * args.seconds)

    def arrived(message: SseMessage) -> None:
        if message.event == "event" and message.id in sent:
            latencies.append(message.received - sent[message.id])
            if len(latencies) >= total:
                done.set()
        elif message.event == "dropped":
            dropped.append(message)

    stream = SseReader(base, headers, params={"types": "events"}, on_message=arrived).start()
    published = publish_paced(broker_port, args.rate, args.seconds, sent)
    done.wait(15)
    stream.close()
    if not latencies:
        print("no event arrived on the live stream")
        return 1
    ordered = sorted(latencies)
    p50, p95, p99 = (percentile(ordered, f) * 1000 for f in (0.5, 0.95, 0.99))
    mode = f"poll {args.poll_ms} ms" if args.poll_ms is not None else "wake"
    print(f"live latency, {args.rate:.0f} events/s for {args.seconds:.0f} s ({mode}):")
    print(f"  received {len(latencies)} of {published}; dropped notices {len(dropped)}")
    print(f"  p50 {p50:.1f} ms  p95 {p95:.1f} ms  p99 {p99:.1f} ms  "
          f"max {ordered[-1] * 1000:.1f} ms  (target p99 <= {args.target_ms:.0f} ms)")
    ok = p99 <= args.target_ms and len(latencies) == published
    print("  target met" if ok else "  TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
