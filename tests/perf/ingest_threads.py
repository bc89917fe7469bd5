"""Where a hub's ingest spends its CPU: each thread's and each child process's share of a drain.

Run: .venv/bin/python -m tests.perf.ingest_threads [--events 100000] [--batch 500]
     (--batch 1 sends single-event messages)

The hub drains N queued events exactly as in `sitewatch bench ingest` (`hub_drain`); from
the first message to the last commit this script reads each of the hub's threads' user
and system CPU time (/proc/self/task) and its child processes' (the MQTT receiver,
Mosquitto). A thread's CPU over the drain's wall time says whether it is saturated; the
hub's threads together can exceed one core only by the time they spend outside the GIL
(SQLite, system calls). For which thread holds the GIL, run the same command under
`py-spy record --gil --threads --format raw -o gil.txt -- …`.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import threading
from collections import defaultdict
from pathlib import Path

import psutil

from sitewatch.bench.ingest import event_messages, hub_drain, sample_envelopes
from sitewatch.brokers import MosquittoProcess

_TICK = os.sysconf("SC_CLK_TCK")


def _thread_times() -> dict[int, tuple[float, float]]:
    """(user, system) seconds of each of this process's threads, by native id."""
    times = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended between listing and reading
        times[int(tid)] = (int(fields[11]) / _TICK, int(fields[12]) / _TICK)
    return times


def _minor_faults() -> int:
    """Minor page faults of this process so far (every thread's)."""
    with open("/proc/self/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[7])


def _children_times() -> dict[int, tuple[str, float, float]]:
    """(name, user, system) seconds of each child process, by pid."""
    found = {}
    for child in psutil.Process().children(recursive=True):
        try:
            cpu = child.cpu_times()
            found[child.pid] = (child.name(), cpu.user, cpu.system)
        except psutil.Error:
            continue
    return found


class ThreadCpu:
    """A DrainProbe that reports CPU per thread and per child over the timed drain."""

    def __init__(self) -> None:
        self._threads: dict[int, tuple[float, float]] = {}
        self._children: dict[int, tuple[str, float, float]] = {}
        self._faults = 0

    def started(self) -> None:
        """Snapshot at the first message."""
        self._threads = _thread_times()
        self._children = _children_times()
        self._faults = _minor_faults()

    def finished(self, seconds: float) -> None:
        """Snapshot at the last commit and print the differences."""
        names = {t.native_id: t.name for t in threading.enumerate() if t.native_id}
        user: defaultdict[str, float] = defaultdict(float)
        system: defaultdict[str, float] = defaultdict(float)
        for tid, (u, s) in _thread_times().items():
            u0, s0 = self._threads.get(tid, (0.0, 0.0))
            name = names.get(tid, f"thread {tid}")
            user[name] += u - u0
            system[name] += s - s0
        for pid, (name, u, s) in _children_times().items():
            if pid in self._children:
                _, u0, s0 = self._children[pid]
                user[f"child {name} ({pid})"] += u - u0
                system[f"child {name} ({pid})"] += s - s0
        faults = _minor_faults() - self._faults
        print(f"drain: {seconds:.2f} s wall; the hub's process took {faults:,} minor page faults")
        print(f"  {'thread or process':48} {'user s':>7} {'sys s':>7} {'of wall':>8}")
        for name in sorted(user, key=lambda n: user[n] + system[n], reverse=True):
            total = user[name] + system[name]
            if total >= 0.01:
                print(f"  {name:48} {user[name]:7.2f} {system[name]:7.2f} "
                      f"{100 * total / seconds:7.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500, help="events per message; 1: single")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    site, gateway, payloads = sample_envelopes(args.events)
    topic = f"sitewatch/v1/{site}/{gateway}/events"
    messages = event_messages(topic, payloads, args.batch)
    with tempfile.TemporaryDirectory(prefix="sitewatch-threads-") as tmp:
        root = Path(tmp)
        broker = MosquittoProcess(root / "broker").start()
        try:
            workdir = root / "hub"
            workdir.mkdir()
            seconds = hub_drain(broker.port, workdir, messages, args.events, probe=ThreadCpu())
        finally:
            broker.stop()
    print(f"{args.events:,} events in {len(messages):,} messages: {args.events / seconds:,.0f}/s")


if __name__ == "__main__":
    main()
