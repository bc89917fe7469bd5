"""The webhook notifier against a real HTTP server: retries, giving up, a bounded queue."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest

from hub.alarms import Change
from hub.alarms.lifecycle import open_alarm
from hub.alarms.webhook import WebhookNotifier
from tests.alarms.signals import T0, signal
from tests.support.hub_runner import wait_until
from tests.support.servers import free_port

ALARM = open_alarm(signal(), "01JDA6Z3Q0XWB5V7S0Y1N7K2PM", T0)


class Endpoint(ThreadingHTTPServer):
    """An HTTP server answering POSTs with the statuses it is given, then 204."""

    def __init__(self, statuses: list[int]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.statuses = statuses
        self.received: list[tuple[dict[str, str], bytes]] = []

    @property
    def url(self) -> str:
        """Where to POST."""
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    server: Endpoint

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        self.server.received.append((dict(self.headers.items()), body))
        status = self.server.statuses.pop(0) if self.server.statuses else 204
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def endpoint(request: pytest.FixtureRequest) -> Iterator[Endpoint]:
    """An endpoint answering with the statuses given as its indirect parameter, then 204."""
    server = Endpoint(list(getattr(request, "param", [])))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("endpoint", [[500, 503]], indirect=True)
def test_a_failing_endpoint_is_retried_until_it_takes_the_change(endpoint: Endpoint) -> None:
    hook = WebhookNotifier(endpoint.url, token="s3cret", backoff_s=0.05)
    hook.start()
    hook.notify(ALARM, Change.OPENED)
    wait_until(lambda: hook.delivered == 1)
    hook.close()
    assert len(endpoint.received) == 3 and hook.failed == 0
    headers, body = endpoint.received[-1]
    assert headers["authorization"] == "Bearer s3cret"
    assert headers["content-type"] == "application/json"
    document = orjson.loads(body)
    assert document["change"] == "opened" and document["alarm"]["id"] == ALARM.id
    assert document["alarm"]["first_seen"] == T0.isoformat()


@pytest.mark.parametrize("endpoint", [[400]], indirect=True)
def test_a_refused_change_is_not_retried(endpoint: Endpoint) -> None:
    hook = WebhookNotifier(endpoint.url, backoff_s=0.05)
    hook.start()
    hook.notify(ALARM, Change.RESOLVED)
    hook.notify(ALARM, Change.COMMENTED)
    wait_until(lambda: hook.failed == 1 and hook.delivered == 1)
    hook.close()
    assert [orjson.loads(body)["change"] for _, body in endpoint.received] == [
        "resolved", "commented"]


def test_an_unreachable_endpoint_costs_attempts_not_the_caller() -> None:
    hook = WebhookNotifier(f"http://127.0.0.1:{free_port()}/hook", max_attempts=3,
                           backoff_s=0.05, queue_max=2)
    for _ in range(3):  # nothing takes from the queue yet: the third is dropped
        hook.notify(ALARM, Change.OPENED)
    assert hook.dropped == 1
    hook.start()
    wait_until(lambda: hook.failed == 2)
    hook.close()
    assert hook.delivered == 0
