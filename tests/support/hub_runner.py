"""A hub started in the test's process, and polling for asynchronous outcomes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

from hub.bootstrap import Hub
from tests.support.auth import sign_in_admin


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll until `predicate` holds, or fail the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


class RunningHub:
    """A hub started in this process, with an HTTP client on its API signed in as an admin."""

    def __init__(self, hub: Hub, stop: threading.Event) -> None:
        self.hub = hub
        self.stop = stop
        self.api = httpx.Client(base_url=f"http://127.0.0.1:{hub.wait_api()}", timeout=10)
        sign_in_admin(self.api, hub.settings.ledger_url)

    def close(self) -> None:
        """Stop the hub and its client."""
        self.api.close()
        self.stop.set()
        self.hub.close()
