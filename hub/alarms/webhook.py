"""A webhook notifier: POSTs each alarm change as JSON, with retries, from its own thread.

httpx is imported here and nowhere else in the hub. `notify` only queues (bounded: when
the endpoint is down for long, the newest changes are dropped and counted, never the
alarm processing held up); the worker retries with exponential backoff.
"""

from __future__ import annotations

import logging
import queue
import threading

import httpx

from hub.alarms.lifecycle import Alarm, Change
from hub.alarms.notify import AlarmNotifier, notification_payload

log = logging.getLogger(__name__)

# Worth retrying: the endpoint may come back. Other 4xx say the request itself is wrong.
_RETRYABLE = {408, 425, 429}


class WebhookNotifier(AlarmNotifier):
    """POSTs `{"change", "alarm"}` JSON to one URL; retries 5xx, timeouts and refusals."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout_s: float = 5.0,
        max_attempts: int = 5,
        backoff_s: float = 1.0,
        backoff_max_s: float = 30.0,
        queue_max: int = 1000,
    ) -> None:
        self.url = url
        self._headers = {"content-type": "application/json"}
        if token:
            self._headers["authorization"] = f"Bearer {token}"
        self._timeout_s = timeout_s
        self._max_attempts = max_attempts
        self._backoff_s = backoff_s
        self._backoff_max_s = backoff_max_s
        self._queue: queue.Queue[bytes] = queue.Queue(maxsize=queue_max)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.delivered = 0
        self.failed = 0  # gave up after every attempt, or refused by the endpoint
        self.dropped = 0  # the queue was full

    def notify(self, alarm: Alarm, change: Change) -> None:
        """Queue the change for the worker; never blocks."""
        try:
            self._queue.put_nowait(notification_payload(alarm, change))
        except queue.Full:
            self.dropped += 1
            log.warning("webhook queue full: alarm %s %s not sent", alarm.id, change.value)

    def start(self) -> None:
        """Start the delivery thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="alarm-webhook", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the delivery thread (what is still queued is dropped)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._timeout_s + 1)

    def _run(self) -> None:
        with httpx.Client(timeout=self._timeout_s, headers=self._headers) as client:
            while not self._stop.is_set():
                try:
                    payload = self._queue.get(timeout=0.2)
                except queue.Empty:
                    continue
                if self._deliver(client, payload):
                    self.delivered += 1
                else:
                    self.failed += 1

    def _deliver(self, client: httpx.Client, payload: bytes) -> bool:
        delay = self._backoff_s
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = client.post(self.url, content=payload)
            except httpx.HTTPError as exc:
                log.warning("webhook %s attempt %d failed: %s", self.url, attempt, exc)
            else:
                if response.is_success:
                    return True
                log.warning("webhook %s attempt %d: HTTP %d", self.url, attempt,
                            response.status_code)
                if response.status_code < 500 and response.status_code not in _RETRYABLE:
                    return False
            if attempt < self._max_attempts and self._stop.wait(delay):
                return False
            delay = min(delay * 2, self._backoff_max_s)
        return False
