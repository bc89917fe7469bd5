"""Oversized, deeply nested and dripping request bodies against the API on a real uvicorn."""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from fastapi.testclient import TestClient

from hub.api import create_app
from hub.bootstrap import build_hub
from hub.settings import load_hub_settings
from tests.api.served import served
from tests.support.api_app import serve_api
from tests.support.auth import TEST_AUTH, add_user, token_headers

MiB = 1 << 20
BODY_TIMEOUT_S = 1.0


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The API on uvicorn with a 1 s body deadline; its URL and an admin's token header."""
    with serve_api(f"sqlite:///{tmp_path / 'ledger.db'}") as under_test:
        add_user(under_test.ledger_url, "admin", "admin")
        headers = token_headers(under_test.client, "admin")
        state = dataclasses.replace(under_test.state, body_timeout_s=BODY_TIMEOUT_S)
        with served(create_app(state)) as url:
            yield url, headers


def connect(url: str) -> socket.socket:
    """A raw connection to the server."""
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def head(path: str, headers: dict[str, str], length: int | None) -> bytes:
    """A POST's request line and headers, with or without a Content-Length."""
    lines = [f"POST {path} HTTP/1.1", "Host: hub", "Content-Type: application/json",
             *(f"{k}: {v}" for k, v in headers.items())]
    lines.append(f"Content-Length: {length}" if length is not None
                 else "Transfer-Encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_answer(connection: socket.socket) -> bytes:
    """What the server says until it closes or goes quiet."""
    chunks = []
    try:
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    except (TimeoutError, ConnectionResetError):
        pass
    return b"".join(chunks)


def assert_serves(url: str, headers: dict[str, str]) -> None:
    """Another client is answered, promptly."""
    started = time.monotonic()
    answer = httpx.post(f"{url}/api/v1/events/search", json={"limit": 1}, headers=headers)
    assert answer.status_code == 200
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("path", ["/api/v1/events/search", "/api/v1/registry/import"])
def test_a_declared_50_mb_body_is_refused_before_a_byte_of_it_is_read(
    api: tuple[str, dict[str, str]], path: str
) -> None:
    """413 answers the headers alone: the server does not wait for (or keep) the body."""
    url, headers = api
    size = 100 * MiB if path.endswith("import") else 50 * MiB  # import takes up to 64 MiB
    with connect(url) as connection:
        connection.sendall(head(path, headers, size))
        answer = read_answer(connection)
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"bytes at most" in answer
    assert_serves(url, headers)


def test_a_chunked_50_mb_body_is_cut_off_at_the_limit_with_bounded_memory(
    api: tuple[str, dict[str, str]],
) -> None:
    """Without a length, the body is counted as it comes: 413 past 16 MiB, RSS well under 50 MB."""
    url, headers = api
    process = psutil.Process()
    before = process.memory_info().rss
    chunk = b"[" + b" " * (MiB - 2) + b"]"
    sent = 0
    with connect(url) as connection:
        connection.sendall(head("/api/v1/events/search", headers, None))
        try:
            while sent < 50 * MiB:
                connection.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading, as it should
        answer = read_answer(connection)
    growth = process.memory_info().rss - before
    assert sent < 50 * MiB or answer.startswith(b"HTTP/1.1 413")
    assert answer.startswith(b"HTTP/1.1 413") or not answer  # refused, or cut before a word
    assert growth < 40 * MiB, f"RSS grew by {growth / MiB:.0f} MiB"
    assert_serves(url, headers)


def test_json_nested_100000_deep_is_a_clean_4xx(api: tuple[str, dict[str, str]]) -> None:
    """No RecursionError, no 500: the body is refused as unparseable."""
    url, headers = api
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000):
        answer = httpx.post(f"{url}/api/v1/events/search", content=body,
                            headers={**headers, "Content-Type": "application/json"})
        assert 400 <= answer.status_code < 500, answer.text
    assert_serves(url, headers)


def test_a_body_dripping_a_byte_a_second_is_cut_at_the_deadline_and_blocks_no_one(
    api: tuple[str, dict[str, str]],
) -> None:
    """408 once the body deadline passes; other clients are served while it drips."""
    url, headers = api
    with connect(url) as drip:
        drip.sendall(head("/api/v1/events/search", headers, 1000))
        started = time.monotonic()
        stop = threading.Event()

        def trickle() -> None:  # one byte a second until told to stop or cut off
            with contextlib.suppress(OSError):
                while not stop.wait(1.0) and drip.send(b" "):
                    pass

        dripping = threading.Thread(target=trickle, daemon=True)
        dripping.start()
        try:
            assert_serves(url, headers)  # while it drips
            answer = read_answer(drip)
        finally:
            stop.set()
            dripping.join(3)
    assert answer.startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < BODY_TIMEOUT_S + 3  # not 1000 s
    assert_serves(url, headers)


def test_a_client_stalled_in_its_headers_blocks_no_one(api: tuple[str, dict[str, str]]) -> None:
    """Half a request line, then silence: the server goes on serving everyone else."""
    url, headers = api
    with connect(url) as stalled:
        stalled.sendall(b"POST /api/v1/ev")
        for _ in range(3):
            assert_serves(url, headers)


def test_the_body_limit_setting_reaches_the_api(tmp_path: Path) -> None:
    """`api.max_body_bytes` from the hub's settings is the limit its API enforces."""
    settings = load_hub_settings(
        None, ledger_url=f"sqlite:///{tmp_path / 'ledger.db'}", media_dir=str(tmp_path / "m"),
        api={"max_body_bytes": 4096}, auth=TEST_AUTH,
    )
    hub = build_hub(settings)
    hub.ledger.migrate()
    try:
        with TestClient(hub.app) as client:
            small = client.post("/api/v1/events/search", content=b"{}" + b" " * 3000)
            large = client.post("/api/v1/events/search", content=b"{}" + b" " * 5000)
        assert small.status_code == 401  # read, then refused for want of a token
        assert large.status_code == 413
    finally:
        hub.close()
