"""The hub's MQTT subscription in a child process of its own, so paho's Python has a core.

paho's network thread costs tens of microseconds of Python per message (reading,
parsing, building the message, sending the PUBACK). In the hub's own process it shares
one GIL with validation, the ledger and what follows it, and that, not SQLite, limited
ingest of single-event messages to about half of what a bare subscriber drains. Here the
subscription (`hub.mqtt.PahoSubscriber`) runs in a child process and the two talk over
one pipe:

  child → hub:  ("messages", [(topic, payload, qos, retain, token), …])  every ~1 ms
                ("connected", bool)                                     on each change
  hub → child:  ("ack", [token, …])                                     after each commit
                ("stop",)

The guarantees do not change: the child sends a PUBACK only when the hub says so, which
is after the commit. The broker's window (`receive_maximum`) bounds how many messages the
hub holds unacknowledged; the child bounds their bytes (`receive_maximum_bytes`): past
it, paho's thread waits for acknowledgements before it reads on, so the broker's sending
stops at TCP's window rather than in the hub's memory. If the child dies, the hub starts
another; a token from a dead child's connection is never sent to the new one (the
child's number is part of the token), and the broker redelivers what that connection had
not acknowledged.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from typing import Any

from hub.ports import MessageSource, ReceivedMessage
from hub.settings import BrokerSettings

log = logging.getLogger(__name__)

_CHILD_BITS = 40  # a token is (child number << 40) | the child's own token
_CHILD_MASK = (1 << _CHILD_BITS) - 1
_FLUSH_S = 0.001  # how long the child gathers messages before sending them over
_RESTART_DELAY_S = 1.0


class ReceiverProcess(MessageSource):
    """`PahoSubscriber` run in a child process; messages and acks cross one pipe."""

    def __init__(self, settings: BrokerSettings, filters: list[str]) -> None:
        self._settings = settings
        self._filters = filters
        # Not fork: the hub has threads by now. A fork server, started once, imports paho
        # and this module once; each child is a fork of it, which starts in milliseconds.
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["hub.receiver", "hub.mqtt"])
        self._deliver: Callable[[ReceivedMessage], None] | None = None
        self._process: Any = None
        self._pipe: Connection | None = None
        self._send_lock = threading.Lock()
        self._child = 0
        self._connected = threading.Event()
        self._stopping = threading.Event()
        self._reader: threading.Thread | None = None
        self.restarts = 0

    def start(self, deliver: Callable[[ReceivedMessage], None]) -> None:
        """Start the child (it connects and subscribes) and the thread reading from it."""
        self._deliver = deliver
        self._stopping.clear()
        self._spawn()
        self._reader = threading.Thread(target=self._read, name="receiver-pipe", daemon=True)
        self._reader.start()

    def ack(self, message: ReceivedMessage) -> None:
        """Acknowledge one committed message."""
        self.ack_all((message,))

    def ack_all(self, messages: Iterable[ReceivedMessage]) -> None:
        """Acknowledge committed messages in one pipe message; a dead child's are dropped."""
        child = self._child
        tokens = [m.token & _CHILD_MASK for m in messages
                  if m.qos > 0 and m.token >> _CHILD_BITS == child]
        if tokens:
            self._send(("ack", tokens))

    @property
    def connected(self) -> bool:
        """Whether the child's connection to the broker is up."""
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        """Block until connected or the timeout passes."""
        return self._connected.wait(timeout)

    @property
    def child_pid(self) -> int | None:
        """The process id of the current child, once started."""
        return self._process.pid if self._process is not None else None

    def stop(self) -> None:
        """Tell the child to disconnect cleanly, wait for it, and stop reading."""
        self._stopping.set()
        self._send(("stop",))
        process = self._process
        if process is not None:
            process.join(timeout=10)
            if process.is_alive():
                log.warning("MQTT receiver did not stop; killing it")
                process.kill()
                process.join(timeout=5)
        if self._reader is not None:
            self._reader.join(timeout=5)
        if self._pipe is not None:
            self._pipe.close()
        self._connected.clear()

    # --- the hub's side ---------------------------------------------------------------------

    def _spawn(self) -> None:
        self._child += 1
        ours, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=run_receiver,
            args=(self._settings, self._filters, theirs, logging.getLogger().level),
            name=f"sitewatch-mqtt-receiver-{self._child}",
            daemon=True,
        )
        process.start()
        theirs.close()  # so the hub sees EOF when the child dies
        self._pipe, self._process = ours, process

    def _send(self, item: tuple[Any, ...]) -> None:
        pipe = self._pipe
        if pipe is None:
            return
        # A dead child's pipe refuses: the reader restarts it and the broker redelivers.
        with self._send_lock, contextlib.suppress(OSError, ValueError):
            pipe.send(item)

    def _read(self) -> None:
        while not self._stopping.is_set():
            pipe, child = self._pipe, self._child
            assert pipe is not None
            with contextlib.suppress(EOFError, OSError):
                self._read_from(pipe, child)
            self._connected.clear()
            if self._stopping.is_set():
                return
            log.error("MQTT receiver process %d ended (exit code %s); starting another",
                      child, self._process.exitcode if self._process is not None else None)
            with contextlib.suppress(Exception):
                pipe.close()
            time.sleep(_RESTART_DELAY_S)
            if not self._stopping.is_set():
                self.restarts += 1
                self._spawn()

    def _read_from(self, pipe: Connection, child: int) -> None:
        deliver = self._deliver
        assert deliver is not None
        base = child << _CHILD_BITS
        while True:
            kind, body = pipe.recv()
            if kind == "messages":
                for topic, payload, qos, retain, token in body:
                    deliver(ReceivedMessage(topic, payload, qos, retain, base | token))
            elif kind == "connected":
                if body:
                    self._connected.set()
                else:
                    self._connected.clear()
            elif kind == "stopped":
                return


# --- the child's side -----------------------------------------------------------------------


def run_receiver(
    settings: BrokerSettings, filters: list[str], pipe: Connection, log_level: int
) -> None:
    """The child's main: subscribe, forward messages, send the acks the hub asks for."""
    from hub.mqtt import PahoSubscriber  # paho is imported in the child only

    logging.basicConfig(level=log_level or logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the hub's to handle
    # Wait for acks a third of a keepalive at most before reading on, so paho's thread
    # still sends its PINGREQs while a long commit (a database away) holds the acks back.
    relay = _Relay(pipe, settings.receive_maximum_bytes, settings.keepalive_s / 3)
    subscriber = PahoSubscriber(settings, filters, on_connection=relay.connection)
    relay.ack = subscriber.ack_token
    subscriber.start(relay.add)
    try:
        relay.run()
    finally:
        with contextlib.suppress(Exception):
            subscriber.stop()
        with contextlib.suppress(Exception):
            pipe.send(("stopped", None))


class _Relay:
    """The child's side of the pipe: messages out in bulk, acknowledgements in.

    Under load the work happens on paho's own thread, at most once a millisecond, right
    after a message is handed over: no other thread then competes with paho for the
    child's GIL, and a PUBACK sent from there does not have to wake paho's loop. When
    messages stop coming, the child's main thread does the same work every few
    milliseconds (the last messages of a burst, their acks, the hub's stop).
    """

    def __init__(
        self, pipe: Connection, max_held_bytes: int = 2**62, max_wait_s: float = 10.0
    ) -> None:
        self._pipe = pipe
        self.ack: Callable[[int, int], None] = lambda _token, _qos: None
        # Bytes of QoS 1 payloads received and not yet acknowledged, by token: counted as
        # paho hands a message over (not at the next flush, which would let a
        # millisecond's messages slip past the limit), uncounted by the hub's acks.
        self._held: dict[int, int] = {}
        self._held_lock = threading.Lock()
        self.held_bytes = 0
        self._max_held_bytes = max_held_bytes
        self._max_wait_s = max_wait_s
        # One pump at a time; paho's thread skips its turn rather than wait for the other.
        self._lock = threading.Lock()
        # deque: paho's thread appends while a pump pops, without a lock between them.
        self._messages: deque[tuple[str, bytes, int, bool, int]] = deque()
        self._next_pump = 0.0
        self._stopped = threading.Event()

    def add(self, message: ReceivedMessage) -> None:
        """Called on paho's thread for each message."""
        self._messages.append(
            (message.topic, message.payload, message.qos, message.retain, message.token)
        )
        if message.qos > 0:
            with self._held_lock:
                self._held[message.token] = len(message.payload)
                self.held_bytes += len(message.payload)
        if time.monotonic() >= self._next_pump:
            self._pump()
        if self.held_bytes > self._max_held_bytes:
            self._wait_for_acks()

    def _wait_for_acks(self) -> None:
        """Hold paho's thread (so it reads no more) until the hub's acks bring the held
        bytes under the limit, the hub stops, or `max_wait_s` passes."""
        deadline = time.monotonic() + self._max_wait_s
        while (self.held_bytes > self._max_held_bytes and not self._stopped.is_set()
               and time.monotonic() < deadline):
            with self._lock:
                self._flush()
                self._take_orders()
            if self.held_bytes > self._max_held_bytes:
                self._pipe.poll(_FLUSH_S * 5)  # wake on the hub's next message

    def connection(self, up: bool) -> None:
        """Called on paho's thread when the connection comes up or goes down."""
        with self._lock:
            self._flush()  # what arrived before a change goes first
            # The broker redelivers what the old connection held: nothing is held now.
            with self._held_lock:
                self._held.clear()
                self.held_bytes = 0
            self._send(("connected", up))

    def run(self) -> None:
        """Pump whenever paho's thread has not lately, until the hub says stop or is gone."""
        while not self._stopped.wait(_FLUSH_S * 2):
            if time.monotonic() >= self._next_pump:
                self._pump()

    def _pump(self) -> None:
        if not self._lock.acquire(blocking=False):
            return
        try:
            self._next_pump = time.monotonic() + _FLUSH_S
            self._flush()
            self._take_orders()
        finally:
            self._lock.release()

    def _flush(self) -> None:
        messages = self._messages
        count = len(messages)
        if count:
            self._send(("messages", [messages.popleft() for _ in range(count)]))

    def _take_orders(self) -> None:
        pipe = self._pipe
        try:
            while pipe.poll(0):
                kind, *rest = pipe.recv()
                if kind == "ack":
                    with self._held_lock:
                        held = self._held
                        self.held_bytes -= sum(held.pop(token, 0) for token in rest[0])
                    for token in rest[0]:
                        self.ack(token, 1)
                elif kind == "stop":
                    self._stopped.set()
                    return
        except (EOFError, OSError):
            self._stopped.set()  # the hub is gone: nothing more will be acknowledged

    def _send(self, item: tuple[str, Any]) -> None:
        try:
            self._pipe.send(item)
        except (OSError, ValueError):
            self._stopped.set()


def _die_with_parent() -> None:
    """Ask Linux to end this process when the hub dies, so no orphan holds its session."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
        if os.getppid() == 1:  # the parent died before the call took effect
            os._exit(0)
