"""The ingest service's failure paths, on a real Mosquitto and real SQLite/PostgreSQL ledgers.

The service is wired as bootstrap wires it, except that the subscriber is wrapped to
record its acknowledgements and, where a test needs a failure no real input can cause,
the ledger is a subclass of the real one.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from hub.ingest import IngestLimits
from hub.ledger import Ledger
from hub.ledger.engine import create_ledger_engine
from hub.media import MediaStore
from hub.mqtt import PahoSubscriber
from hub.ports import CommitListener, Committed, MessageSource, ReceivedMessage
from hub.records import CommitResult, IngestBatch
from hub.service import IngestService
from hub.settings import load_hub_settings
from sitewatch.bench.mqtt_baseline import publish_all
from sitewatch.protocol import Topics
from tests.support.auth import TEST_AUTH
from tests.support.envelopes import access_event, encode
from tests.support.hub_runner import wait_until
from tests.support.servers import MosquittoServer, PostgresServer, free_port

TOPIC = "sitewatch/v1/park/gw-1/events"
STATUS_TOPIC = "sitewatch/v1/park/gw-1/status"
STATUS = {"state": "online", "agent_version": "0.1.0", "started_at": "2026-11-22T00:00:00Z",
          "config_hash": "c0ffee"}



def event_messages(first: int, last: int) -> list[tuple[str, bytes]]:
    """Single-event messages with seq first..last."""
    return [(TOPIC, encode(access_event("park", "gw-1", seq))) for seq in range(first, last + 1)]


class AckRecorder(MessageSource):
    """The real subscriber, with every acknowledgement recorded on its way to the broker."""

    def __init__(self, inner: PahoSubscriber) -> None:
        self.inner = inner
        self.acked: list[ReceivedMessage] = []
        self.before_commit: list[ReceivedMessage] = []  # filled only when `committed` is set
        self.committed: Callable[[ReceivedMessage], bool] | None = None

    def start(self, deliver: Callable[[ReceivedMessage], None]) -> None:
        """Connect and subscribe through the real subscriber."""
        self.inner.start(deliver)

    def ack(self, message: ReceivedMessage) -> None:
        """Record (and check) the ack, then send it."""
        # Recorded, not asserted: an exception here would count as a failed commit.
        if self.committed is not None and not self.committed(message):
            self.before_commit.append(message)
        self.acked.append(message)
        self.inner.ack(message)

    @property
    def connected(self) -> bool:
        """Whether the real subscriber is connected."""
        return self.inner.connected

    def stop(self) -> None:
        """Disconnect the real subscriber."""
        self.inner.stop()


class RefusingLedger(Ledger):
    """A healthy ledger that refuses every batch holding one marked event.

    A double is needed because no valid protocol message makes a reachable ledger refuse
    it: what the database would reject, validation dead-letters first. The path exists
    for what slips through anyway (a constraint the validator does not know), so the
    test has to provoke it.
    """

    refused_id = ""

    def commit(self, batch: IngestBatch) -> CommitResult:
        """Refuse batches with the marked event; commit the rest for real."""
        if any(record.event.id == self.refused_id for record in batch.events):
            raise ValueError(f"event {self.refused_id} breaks a rule of the test's ledger")
        return super().commit(batch)


class HeldLedger(Ledger):
    """The real ledger, whose commits wait until the test releases them."""

    def __init__(self, engine: Engine, **options: Any) -> None:
        super().__init__(engine, **options)
        self.entered = threading.Event()
        self.release = threading.Event()

    def commit(self, batch: IngestBatch) -> CommitResult:
        """Wait for the release, then commit for real."""
        self.entered.set()
        if not self.release.wait(30):
            raise TimeoutError("the test never released the commit")
        return super().commit(batch)


@dataclass
class RunningIngest:
    """An ingest service running on its own thread, subscribed to the test's broker."""

    ingest: IngestService
    source: AckRecorder
    ledger: Ledger
    stop: threading.Event
    thread: threading.Thread
    closed: bool = False

    def close(self) -> float:
        """Stop the worker and disconnect; return the seconds the worker took to stop."""
        if self.closed:
            return 0.0
        self.closed = True
        started = time.monotonic()
        self.stop.set()
        self.thread.join(timeout=10)
        elapsed = time.monotonic() - started
        self.source.stop()
        self.ledger.close()
        return elapsed


@pytest.fixture
def start_ingest(
    mosquitto: MosquittoServer, tmp_path: Path
) -> Iterator[Callable[..., RunningIngest]]:
    """Start an ingest service on `ledger`; keyword arguments go to IngestService."""
    running: list[RunningIngest] = []
    # A retained status reaches the service as soon as its subscription is in place, so
    # its arrival says the service will see what the test publishes next.
    subprocess.run(
        ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(mosquitto.port), "-q", "1", "-r",
         "-t", STATUS_TOPIC, "-m", orjson.dumps(STATUS).decode()],
        check=True, timeout=30,
    )

    def start(ledger: Ledger, **options: Any) -> RunningIngest:
        settings = load_hub_settings(
            None, broker={"port": mosquitto.port, "client_id": f"service-test-{len(running)}"},
            auth=TEST_AUTH,
        )
        topics = Topics(settings.topic_prefix)
        source = AckRecorder(PahoSubscriber(settings.broker, topics.subscriptions()))
        limits = IngestLimits(settings.ingest.max_payload_bytes, settings.ingest.max_media_bytes)
        options = {"retry_max_s": 0.5, **options}
        ingest = IngestService(source, ledger, MediaStore(tmp_path / "media"), topics, limits,
                               **options)
        stop = threading.Event()
        thread = threading.Thread(target=ingest.run, args=(stop,), name="ingest")
        thread.start()
        source.start(ingest.deliver)
        result = RunningIngest(ingest, source, ledger, stop, thread)
        running.append(result)
        wait_until(lambda: ingest.backlog + ingest.counters.messages >= 1)  # the status
        return result

    yield start
    for result in running:
        result.close()


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the test's own, to stop and start: the session's is shared."""
    server = PostgresServer().start()
    yield server
    server.destroy()


def test_ingest_pauses_while_postgresql_is_down_and_then_stores_everything_once(
    own_postgres: PostgresServer,
    start_ingest: Callable[..., RunningIngest],
    mosquitto: MosquittoServer,
) -> None:
    ledger = Ledger.open(own_postgres.create_database("outage"))
    ledger.migrate()
    running = start_ingest(ledger)
    ingest, acked = running.ingest, running.source.acked
    publish_all(mosquitto.port, event_messages(1, 50))
    wait_until(lambda: ingest.counters.events_stored == 50 and len(acked) == 51)

    own_postgres.stop()
    with pytest.raises(OperationalError):  # what /readyz turns into "not ready"
        ledger.ping()
    publish_all(mosquitto.port, event_messages(51, 100))
    wait_until(lambda: ingest.counters.commit_failures >= 1)
    publish_all(mosquitto.port, event_messages(101, 150))  # messages keep arriving
    wait_until(lambda: ingest.backlog == 100 and ingest.counters.commit_failures >= 3)
    assert len(acked) == 51, "nothing may be acknowledged while the ledger is down"
    assert ingest.counters.events_stored == 50

    own_postgres.start()
    wait_until(lambda: ingest.counters.events_stored == 150 and len(acked) == 151)
    ledger.ping()
    assert ledger.event_count() == 150
    [gateway] = ledger.list_gateways()
    assert gateway.events_total == 150  # each counted once, however often it was retried
    assert gateway.last_seq == 150 and gateway.gaps == []
    assert ingest.backlog == 0


def test_message_the_ledger_refuses_is_dead_lettered_with_its_reason_and_ingest_goes_on(
    start_ingest: Callable[..., RunningIngest], mosquitto: MosquittoServer, ledger_url: str
) -> None:
    ledger = RefusingLedger(create_ledger_engine(ledger_url))
    ledger.migrate()
    messages = event_messages(1, 5)
    marked_topic, marked_payload = messages[2]
    ledger.refused_id = orjson.loads(marked_payload)["id"]
    # A long linger puts the five messages into one commit, so the refused one has to be
    # found among them.
    running = start_ingest(ledger, batch_linger_s=0.3)
    publish_all(mosquitto.port, messages)

    wait_until(lambda: ledger.dead_letter_count() == 1 and ledger.event_count() == 4)
    [letter] = ledger.list_dead_letters()
    assert letter.topic == marked_topic and letter.payload == marked_payload
    assert "ledger refused the message" in letter.reason
    assert "breaks a rule of the test's ledger" in letter.reason
    assert running.ingest.counters.dead_letters == 1

    publish_all(mosquitto.port, event_messages(6, 6))
    wait_until(lambda: ledger.event_count() == 5)
    wait_until(lambda: len(running.source.acked) == 7)  # status, 5 events, 1 more event
    assert running.ingest.backlog == 0


def test_stop_is_prompt_while_the_ledger_is_unreachable(
    start_ingest: Callable[..., RunningIngest], mosquitto: MosquittoServer
) -> None:
    # Nothing listens on this port: every connection is refused, as with PostgreSQL down.
    ledger = Ledger.open(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/ledger")
    # Tiny groups and a long backoff: the decoder ends up blocked behind a full hand-off
    # and the writer in a 3.2 s wait between retries (the sixth); both must notice stop.
    running = start_ingest(ledger, batch_max_messages=2, retry_max_s=30)
    publish_all(mosquitto.port, event_messages(1, 20))
    ingest = running.ingest
    wait_until(lambda: ingest.backlog == 21 and ingest.counters.commit_failures >= 6)

    assert running.close() < 2.0
    assert not running.thread.is_alive()
    assert running.source.acked == []


def test_no_message_is_acknowledged_before_its_commit(
    start_ingest: Callable[..., RunningIngest], mosquitto: MosquittoServer, tmp_path: Path
) -> None:
    ledger = HeldLedger(create_ledger_engine(f"sqlite:///{tmp_path / 'ledger.db'}"))
    ledger.migrate()
    running = start_ingest(ledger, batch_max_messages=10)
    source = running.source

    def committed(message: ReceivedMessage) -> bool:
        if message.topic != TOPIC:
            return ledger.list_gateways()[0].state == "online"
        return ledger.get_event(orjson.loads(message.payload)["id"]) is not None

    source.committed = committed
    publish_all(mosquitto.port, event_messages(1, 40))
    # The first commit is held; behind it the decoder prepares what keeps arriving.
    wait_until(lambda: ledger.entered.is_set() and running.ingest.backlog == 41)
    assert source.acked == [], "the broker must still hold every message unacknowledged"
    assert ledger.event_count() == 0

    ledger.release.set()
    wait_until(lambda: ledger.event_count() == 40 and len(source.acked) == 41)
    assert source.before_commit == []
    assert running.ingest.counters.commits >= 2  # groups of at most 10 messages


class RecordingListener(CommitListener):
    """Collects the ids of the events each commit says are new."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.statuses = 0

    def committed(self, committed: Committed) -> None:
        """Record new event ids and status count."""
        self.ids += [record.event.id for record in committed.events]
        self.statuses += len(committed.statuses)


class BrokenListener(CommitListener):
    """Fails on every commit: ingest must go on regardless."""

    def committed(self, committed: Committed) -> None:
        """Fail."""
        raise RuntimeError("time-series writer exploded")


def test_listeners_hear_each_new_event_once_and_a_broken_one_stops_nothing(
    start_ingest: Callable[..., RunningIngest], ledger_url: str, mosquitto: MosquittoServer
) -> None:
    listener = RecordingListener()
    ledger = Ledger.open(ledger_url)
    ledger.migrate()
    running = start_ingest(ledger, listeners=[BrokenListener(), listener])
    first, later = event_messages(1, 300), event_messages(301, 400)
    publish_all(mosquitto.port, first)
    # Redelivery after a crash looks like this: the same events again, and a repeat in a batch.
    again = [*first[:100], (TOPIC, orjson.dumps([orjson.loads(first[5][1])] * 2))]
    publish_all(mosquitto.port, again + later)
    wait_until(lambda: running.ingest.counters.messages >= 1 + 300 + 101 + 100)
    assert running.ledger.event_count() == 400
    expected = [orjson.loads(payload)["id"] for _, payload in first + later]
    assert sorted(listener.ids) == sorted(expected)
    assert len(listener.ids) == 400 and running.ingest.counters.duplicates == 102
    assert listener.statuses == 1
