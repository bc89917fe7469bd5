"""The MQTT subscription in a child process (`hub.receiver.ReceiverProcess`), on a real Mosquitto.

What it must keep of the hub's guarantees: a message is acknowledged only when the hub
says so, what was not acknowledged comes again, a dead child is replaced without losing
or double-acknowledging anything, and no child outlives the hub.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import orjson
import pytest

from hub.ports import ReceivedMessage
from hub.receiver import ReceiverProcess
from hub.settings import BrokerSettings
from sitewatch.bench.mqtt_baseline import publish_all
from tests.support.envelopes import access_event, encode
from tests.support.hub_runner import wait_until
from tests.support.servers import MosquittoServer

TOPIC = "sitewatch/v1/park/gw-1/events"
FILTERS = ["sitewatch/v1/+/+/events"]


class Inbox:
    """What a receiver delivered, in order."""

    def __init__(self) -> None:
        self.messages: list[ReceivedMessage] = []
        self._lock = threading.Lock()

    def deliver(self, message: ReceivedMessage) -> None:
        """The receiver's callback."""
        with self._lock:
            self.messages.append(message)

    def take(self) -> list[ReceivedMessage]:
        """Everything delivered so far, emptying the inbox."""
        with self._lock:
            taken, self.messages = self.messages, []
        return taken

    def __len__(self) -> int:
        return len(self.messages)


def messages(first: int, last: int) -> list[tuple[str, bytes]]:
    """Single-event messages with seq first..last."""
    return [(TOPIC, encode(access_event("park", "gw-1", seq))) for seq in range(first, last + 1)]


def seqs(received: list[ReceivedMessage]) -> list[int]:
    """The seq each received message carries."""
    return [orjson.loads(m.payload)["seq"] for m in received]


@pytest.fixture
def settings(mosquitto: MosquittoServer) -> BrokerSettings:
    """Broker settings for one persistent session on the test's Mosquitto."""
    return BrokerSettings(port=mosquitto.port, client_id="receiver-test", receive_maximum=100)


@pytest.fixture
def receivers() -> Iterator[list[ReceiverProcess]]:
    """Receivers the test started; all stopped at the end."""
    started: list[ReceiverProcess] = []
    yield started
    for receiver in started:
        receiver.stop()


def start(
    settings: BrokerSettings, inbox: Inbox, started: list[ReceiverProcess]
) -> ReceiverProcess:
    """A connected receiver delivering into `inbox`."""
    receiver = ReceiverProcess(settings, FILTERS)
    started.append(receiver)
    receiver.start(inbox.deliver)
    assert receiver.wait_connected(60), "the receiver's child did not connect"
    time.sleep(0.3)  # the SUBACK follows the CONNACK
    return receiver


def receive_and_ack_some(
    settings: BrokerSettings, mosquitto: MosquittoServer, started: list[ReceiverProcess],
    sent: int, acked: int,
) -> tuple[ReceiverProcess, Inbox, list[ReceivedMessage]]:
    """Publish `sent` messages, receive them all, ack the first `acked`: (receiver, inbox, all)."""
    inbox = Inbox()
    receiver = start(settings, inbox, started)
    publish_all(mosquitto.port, messages(1, sent))
    wait_until(lambda: len(inbox) == sent, timeout=15)
    received = inbox.take()
    receiver.ack_all(received[:acked])
    time.sleep(0.5)  # the acks reach the broker
    return receiver, inbox, received


def test_messages_arrive_in_order_and_acked_ones_do_not_come_again(
    settings: BrokerSettings, mosquitto: MosquittoServer, receivers: list[ReceiverProcess]
) -> None:
    """Every message reaches the hub's side in order; once acked, a new session gets none."""
    inbox = Inbox()
    receiver = start(settings, inbox, receivers)
    publish_all(mosquitto.port, messages(1, 500))
    delivered: list[ReceivedMessage] = []
    # receive_maximum is 100: the broker sends more only as acks come back.
    deadline = time.monotonic() + 30
    while len(delivered) < 500 and time.monotonic() < deadline:
        batch = inbox.take()
        receiver.ack_all(batch)
        delivered += batch
        time.sleep(0.01)
    assert seqs(delivered) == list(range(1, 501))
    time.sleep(0.5)  # the acks reach the broker
    receiver.stop()

    again = Inbox()
    start(settings, again, receivers)
    time.sleep(1.0)
    assert len(again) == 0


def test_nothing_is_acknowledged_unless_the_hub_says_so(
    settings: BrokerSettings, mosquitto: MosquittoServer, receivers: list[ReceiverProcess]
) -> None:
    """Messages delivered but never acked are delivered again to the next connection."""
    receiver, _, _ = receive_and_ack_some(settings, mosquitto, receivers, sent=50, acked=20)
    receiver.stop()

    again = Inbox()
    start(settings, again, receivers)
    wait_until(lambda: len(again) == 30, timeout=15)
    assert seqs(again.take()) == list(range(21, 51))


def test_a_killed_child_is_replaced_and_its_unacked_messages_come_again(
    settings: BrokerSettings, mosquitto: MosquittoServer, receivers: list[ReceiverProcess]
) -> None:
    """SIGKILL the child: another starts, the broker redelivers, stale acks are dropped."""
    receiver, inbox, before = receive_and_ack_some(
        settings, mosquitto, receivers, sent=40, acked=10
    )
    assert receiver.child_pid is not None
    os.kill(receiver.child_pid, signal.SIGKILL)

    wait_until(lambda: receiver.restarts == 1 and receiver.connected, timeout=20)
    wait_until(lambda: len(inbox) == 30, timeout=20)
    # Acks for the dead child's messages must not reach the new connection's packet ids.
    receiver.ack_all(before[10:])
    redelivered = inbox.take()
    assert seqs(redelivered) == list(range(11, 41))
    receiver.ack_all(redelivered)
    publish_all(mosquitto.port, messages(41, 45))
    wait_until(lambda: len(inbox) == 5, timeout=15)
    assert seqs(inbox.take()) == list(range(41, 46))


def test_the_child_does_not_outlive_a_killed_hub(
    settings: BrokerSettings, mosquitto: MosquittoServer
) -> None:
    """SIGKILL the hub's process: its receiver child ends too and frees the session."""
    script = (
        "import sys, time\n"
        "from hub.receiver import ReceiverProcess\n"
        "from hub.settings import BrokerSettings\n"
        f"r = ReceiverProcess(BrokerSettings(port={mosquitto.port}, client_id='orphan-test'),"
        " ['sitewatch/v1/+/+/events'])\n"
        "r.start(lambda m: None)\n"
        "assert r.wait_connected(15)\n"
        "print(r.child_pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    hub = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert hub.stdout is not None
        child = int(hub.stdout.readline())
        assert _alive(child)
        hub.kill()
        hub.wait(10)
        wait_until(lambda: not _alive(child), timeout=10)
    finally:
        hub.kill()


def _alive(pid: int) -> bool:
    """Whether `pid` is a live (not zombie) process."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("budget", [2**20, 2**40])
def test_the_hub_holds_at_most_its_byte_budget_unacknowledged(
    mosquitto: MosquittoServer, receivers: list[ReceiverProcess], budget: int
) -> None:
    """The window is 10,000 messages; receive_maximum_bytes bounds their bytes. With 1 MiB,
    40 batch-sized messages of ~200 KB reach the hub a few at a time, each few after the
    previous are acknowledged; with an unreachable budget (the control) all 40 arrive
    unacknowledged at once."""
    settings = BrokerSettings(port=mosquitto.port, client_id="receiver-bytes",
                              receive_maximum_bytes=budget)
    assert settings.receive_maximum == 10_000
    inbox = Inbox()
    receiver = start(settings, inbox, receivers)
    size = 200_000
    payloads = [encode({**access_event("park", "gw-1", seq), "pad": "x" * size})
                for seq in range(1, 41)]
    publish_all(mosquitto.port, [(TOPIC, p) for p in payloads])
    time.sleep(1.5)  # everything the hub will take unacknowledged has arrived
    held = inbox.take()
    most = budget // size + 1  # up to the budget, and the message that crosses it
    if budget > 2**30:
        assert len(held) == 40
        return
    assert 1 <= len(held) <= most, len(held)
    delivered = list(held)
    deadline = time.monotonic() + 30
    while len(delivered) < 40 and time.monotonic() < deadline:
        receiver.ack_all(held)  # the commit: the child reads on
        time.sleep(0.3)
        held = inbox.take()
        assert len(held) <= most, len(held)
        delivered += held
    assert seqs(delivered) == list(range(1, 41))
