"""The hub's MQTT receiver process alone against a bare paho subscriber, same broker, same backlog.

`.venv/bin/python -m tests.perf.receiver_alone [--events N] [--rounds R]`: N single-event
messages are queued for each consumer's persistent session, then drained — by the bare
subscriber of `sitewatch bench ingest` (auto-ack, no work) and by `hub.receiver.
ReceiverProcess` with a hub side that acknowledges each delivery at once (no ledger). It
shows whether the child process, the pipe and the acks that cross it cost throughput of
their own; `sitewatch bench ingest` measures the whole hub.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from hub.ports import ReceivedMessage
from hub.receiver import ReceiverProcess
from hub.settings import BrokerSettings
from sitewatch.bench.ingest import RECEIVE_MAXIMUM, sample_envelopes
from sitewatch.bench.mqtt_baseline import BareSubscriber, publish_all
from sitewatch.brokers import MosquittoProcess

FILTERS = ["sitewatch/v1/+/+/events"]


def drain_receiver(port: int, messages: list[tuple[str, bytes]]) -> float:
    """Seconds for a receiver process to deliver (and have acked) every queued message."""
    settings = BrokerSettings(port=port, client_id="perf-receiver",
                              receive_maximum=RECEIVE_MAXIMUM)
    first = ReceiverProcess(settings, FILTERS)
    first.start(lambda _m: None)  # creates the persistent session and its subscription
    if not first.wait_connected(15):
        raise TimeoutError("receiver did not connect")
    time.sleep(0.5)
    first.stop()
    publish_all(port, messages)
    delivered: list[ReceivedMessage] = []
    receiver = ReceiverProcess(settings, FILTERS)
    receiver.start(delivered.append)
    # Timed from the first message, as `sitewatch bench ingest` times every drain:
    # starting the child process and connecting are not receiving.
    while not delivered:
        time.sleep(0.0005)
    started = time.perf_counter()
    acked = 0
    while acked < len(messages):
        time.sleep(0.002)
        batch = delivered[acked:]
        receiver.ack_all(batch)
        acked += len(batch)
    elapsed = time.perf_counter() - started
    receiver.stop()
    return elapsed


def main() -> None:
    """Measure both consumers for each round and print the rates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    site, gateway, payloads = sample_envelopes(args.events)
    topic = f"sitewatch/v1/{site}/{gateway}/events"
    messages = [(topic, payload) for payload in payloads]
    for round_ in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory(prefix="sitewatch-receiver-") as tmp:
            broker = MosquittoProcess(Path(tmp) / "broker").start()
            try:
                bare = BareSubscriber(broker.port, "perf-bare", topic, RECEIVE_MAXIMUM)
                bare.connect()
                bare.disconnect()
                publish_all(broker.port, messages)
                bare_rate = args.events / bare.drain(args.events)
                receiver_rate = args.events / drain_receiver(broker.port, messages)
            finally:
                broker.stop()
        print(f"round {round_}: bare paho {bare_rate:,.0f}/s, receiver process "
              f"{receiver_rate:,.0f}/s ({receiver_rate / bare_rate:.2f} of bare)", flush=True)


if __name__ == "__main__":
    main()
