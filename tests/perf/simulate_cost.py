"""What the load generator itself costs: CPU, memory and threads of `sitewatch simulate`.

Run: .venv/bin/python -m tests.perf.simulate_cost [--gateways 500] [--rate 5000]
     [--seconds 60] [--batch-threshold 1] [--legacy FILE]

Starts a Mosquitto of its own and a bare paho subscriber (QoS 0, this process) that counts
the events arriving, then `sitewatch simulate` in a child process for --seconds of play.
Samples the child's CPU time, RSS and threads every 5 s; reports, over the steady part
(from the first sample with events arriving), the share of one core it used, the events
that arrived per second and the CPU microseconds per event.

--legacy FILE runs `run_simulation` from an older sitewatch/simulate.py instead (one
thread-per-agent design, `rate` per gateway), e.g. the one before the fleet:
  git show b0e2a9c:sitewatch/simulate.py > /tmp/legacy_simulate.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as paho
import psutil
from paho.mqtt.enums import CallbackAPIVersion

from tests.support.servers import MosquittoServer

_LEGACY = (
    "import sys, runpy; from pathlib import Path; "
    "m = runpy.run_path(sys.argv[1]); "
    "m['run_simulation'](sys.argv[2], gateways=int(sys.argv[3]), "
    "rate=float(sys.argv[4]) / int(sys.argv[3]), duration=float(sys.argv[5]), "
    "data_dir=Path(sys.argv[6]))"
)


@dataclass(frozen=True)
class Sample:
    """One look at the child."""

    at: float
    cpu_s: float
    rss: int
    threads: int
    arrived: int


class EventCounter:
    """A bare QoS 0 subscriber counting events (singly or in batches) as they arrive."""

    def __init__(self, port: int) -> None:
        self.count = 0
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._client = paho.Client(CallbackAPIVersion.VERSION2, client_id="cost-counter",
                                   protocol=paho.MQTTv5)
        self._client.on_connect = lambda c, *_: c.subscribe("sitewatch/v1/+/+/events", qos=0)
        self._client.on_subscribe = lambda *_: self._ready.set()
        self._client.on_message = self._on_message
        self._client.connect("127.0.0.1", port)
        self._client.loop_start()
        if not self._ready.wait(10):
            raise TimeoutError("counter did not subscribe")

    def _on_message(self, client: paho.Client, userdata: object, msg: paho.MQTTMessage) -> None:
        with self._lock:
            self.count += msg.payload.count(b'"seq":')

    def stop(self) -> None:
        """Disconnect."""
        self._client.disconnect()
        self._client.loop_stop()


def main() -> int:
    """Run the measurement; 0 when the generator kept up with its rate."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gateways", type=int, default=500)
    parser.add_argument("--rate", type=float, default=5000.0, help="events/s, all together")
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds of play")
    parser.add_argument("--batch-threshold", type=int, default=1)
    parser.add_argument("--legacy", type=Path, default=None,
                        help="an older sitewatch/simulate.py to measure instead")
    parser.add_argument("--give-up-s", type=float, default=300.0,
                        help="kill the child if it has not ended this long after the start")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sitewatch-simcost-") as tmp:
        work = Path(tmp)
        broker = MosquittoServer(work / "mosquitto").start()
        counter = EventCounter(broker.port)
        address = f"127.0.0.1:{broker.port}"
        if args.legacy:
            command = [sys.executable, "-c", _LEGACY, str(args.legacy), address,
                       str(args.gateways), str(args.rate), str(args.seconds), str(work / "out")]
        else:
            command = [sys.executable, "-m", "sitewatch.cli", "simulate", "--broker", address,
                       "--gateways", str(args.gateways), "--rate", str(args.rate),
                       "--duration", str(args.seconds), "--batch-threshold",
                       str(args.batch_threshold), "--data-dir", str(work / "out")]
        started = time.monotonic()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples: list[Sample] = []
        try:
            samples = watch(child, counter, started, args.give_up_s)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            counter.stop()
            broker.kill()
    return report(args, samples)


def watch(child: subprocess.Popen[bytes], counter: EventCounter, started: float,
          give_up_s: float) -> list[Sample]:
    """Sample the child every 5 s until it ends (or give up and let the caller kill it)."""
    process = psutil.Process(child.pid)
    samples: list[Sample] = []
    while child.poll() is None and time.monotonic() - started < give_up_s:
        try:
            cpu = process.cpu_times()
            samples.append(Sample(time.monotonic() - started, cpu.user + cpu.system,
                                  process.memory_info().rss, process.num_threads(),
                                  counter.count))
        except psutil.Error:
            break
        s = samples[-1]
        print(f"  {s.at:5.0f}s  cpu {s.cpu_s:6.1f}s  rss {s.rss / 2**20:6.0f} MB  "
              f"threads {s.threads:5d}  arrived {s.arrived:,}", flush=True)
        time.sleep(5)
    return samples


def report(args: argparse.Namespace, samples: list[Sample]) -> int:
    """Print the steady-state figures; 0 if the arrivals kept up with the rate (±5%)."""
    flowing = [s for s in samples if s.arrived > 0]
    if len(flowing) < 3:
        print("too few samples with events arriving: the generator did not get going")
        return 1
    first, last = flowing[1], flowing[-1]  # skip the sample where the flow began
    seconds = last.at - first.at
    events = last.arrived - first.arrived
    cpu = last.cpu_s - first.cpu_s
    rate = events / seconds
    design = f"legacy {args.legacy}" if args.legacy else f"fleet, batch threshold " \
        f"{args.batch_threshold}"
    print(f"{args.gateways} gateways at {args.rate:g} events/s together ({design}), "
          f"steady {first.at:.0f}-{last.at:.0f} s:")
    print(f"  arrived {rate:,.0f} events/s; generator {100 * cpu / seconds:.0f}% of one core, "
          f"{1e6 * cpu / max(events, 1):.0f} µs CPU per event; "
          f"RSS max {max(s.rss for s in samples) / 2**20:.0f} MB; "
          f"threads max {max(s.threads for s in samples)}; "
          f"start-up {flowing[0].at:.0f} s to the first arrivals")
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0 if abs(rate - args.rate) <= 0.05 * args.rate else 1


if __name__ == "__main__":
    sys.exit(main())
