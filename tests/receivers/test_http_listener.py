"""The shared HTTP listener: bounded, authenticated, all-or-nothing, and never brought down."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from edge_agent.receivers.place_scan import PlaceScanHttpSource
from edge_agent.receivers.settings import PlaceScanHttpSettings
from tests.receivers.support import SITE_KEY, RecordingSink, raw_exchange, serving

GOOD = {"terminal": "T-01", "id_number": "110101199003074518", "health": "green"}


def receiver(**changes: Any) -> PlaceScanHttpSource:
    """A place-scan receiver on a free local port."""
    settings = PlaceScanHttpSettings(host="127.0.0.1", port=0, **changes)
    return PlaceScanHttpSource(settings, SITE_KEY)


@pytest.fixture
def sink() -> RecordingSink:
    """Where the receiver's events go."""
    return RecordingSink()


@pytest.fixture
def url(sink: RecordingSink) -> Iterator[str]:
    """A running receiver's push URL, with default settings (no token)."""
    with serving(receiver(), sink) as base:
        yield f"{base}/events"


def assert_still_accepts(url: str, sink: RecordingSink, **kwargs: Any) -> None:
    """The server is alive and stores a good push after whatever came before."""
    before = len(sink.drafts)
    answer = httpx.post(url, json=GOOD, **kwargs)
    assert (answer.status_code, answer.json()) == (202, {"accepted": 1})
    assert len(sink.drafts) == before + 1


def test_a_single_record_is_accepted_and_stored(url: str, sink: RecordingSink) -> None:
    answer = httpx.post(url, json=GOOD)
    assert answer.status_code == 202
    assert answer.json() == {"accepted": 1}
    assert [e["kind"] for e in sink.events()] == ["place_scan"]


def test_a_batch_is_stored_in_one_outbox_write(url: str, sink: RecordingSink) -> None:
    batch = [{**GOOD, "terminal": f"T-{n}"} for n in range(3)]
    answer = httpx.post(url, json=batch)
    assert (answer.status_code, answer.json()) == (202, {"accepted": 3})
    assert sink.emits == 1
    assert [e["device"] for e in sink.events()] == ["T-0", "T-1", "T-2"]


def test_one_bad_record_refuses_the_whole_batch_naming_its_index(
    url: str, sink: RecordingSink
) -> None:
    batch = [GOOD, {**GOOD, "health": "purple"}, GOOD]
    answer = httpx.post(url, json=batch)
    assert answer.status_code == 422
    body = answer.json()
    assert "none stored" in body["error"]
    assert [(d["index"], d["field"]) for d in body["detail"]] == [(1, "health")]
    assert sink.drafts == []
    assert_still_accepts(url, sink)


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({**GOOD, "temperature_c": "hot"}, "temperature_c"),
        ({**GOOD, "temperature_c": 80}, "temperature_c"),
        ({**GOOD, "visitor": [1]}, "visitor"),
        ({**GOOD, "method": "retina"}, "method"),
        ({**GOOD, "temprature_c": 36.6}, "temprature_c"),  # a typo is refused, not ignored
        ({"terminal": "T-01", "health": "green"}, "id_number"),
        ({**GOOD, "ts": 1_800_000_000}, "ts"),
    ],
)
def test_a_wrong_field_is_refused_by_name(
    url: str, sink: RecordingSink, record: dict[str, Any], field: str
) -> None:
    answer = httpx.post(url, json=record)
    assert answer.status_code == 422
    assert field in [d["field"] for d in answer.json()["detail"]]
    assert sink.drafts == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"terminal": "T-01", ', 400),
        (b"\xff\xfe", 400),
        (b'{"id_number": "1\\u0000"}', 400),
        (b"42", 422),
        (b"[]", 422),
        (b"[1, 2]", 422),
    ],
)
def test_a_body_that_is_not_records_is_refused(
    url: str, sink: RecordingSink, body: bytes, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="edge_agent.receivers"):
        answer = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == status
    assert answer.json()["error"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and f": {status} from 127.0.0.1: " in warnings[0]
    assert_still_accepts(url, sink)


def test_a_batch_over_the_limit_is_refused(sink: RecordingSink) -> None:
    with serving(receiver(max_batch=2), sink) as base:
        answer = httpx.post(f"{base}/events", json=[GOOD] * 3)
        assert answer.status_code == 413
        assert sink.drafts == []


def test_content_length_is_required_and_bounded(sink: RecordingSink) -> None:
    with serving(receiver(max_body_bytes=512), sink) as base:
        no_length = b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n"
        assert raw_exchange(base, no_length)[0] == 411

        def chunks() -> Iterator[bytes]:
            yield orjson.dumps(GOOD)

        chunked = httpx.post(f"{base}/events", content=chunks(), headers=_JSON)
        assert chunked.status_code == 411

        big = [{**GOOD, "terminal": f"T-{n}"} for n in range(20)]
        assert httpx.post(f"{base}/events", json=big).status_code == 413

        bad_length = (
            b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: -5\r\n\r\n"
        )
        assert raw_exchange(base, bad_length)[0] == 400
        assert_still_accepts(f"{base}/events", sink)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1"],
)
def test_only_json_is_accepted(url: str, sink: RecordingSink, content_type: str) -> None:
    answer = httpx.post(url, content=orjson.dumps(GOOD), headers={"Content-Type": content_type})
    assert answer.status_code == 415
    assert sink.drafts == []
    assert_still_accepts(url, sink)


def test_a_configured_token_is_required(sink: RecordingSink) -> None:
    with serving(receiver(token="s3cret-token"), sink) as base:
        url = f"{base}/events"
        missing = httpx.post(url, json=GOOD)
        assert missing.status_code == 401
        assert missing.headers["WWW-Authenticate"] == "Bearer"
        wrong = httpx.post(url, json=GOOD, headers={"Authorization": "Bearer s3cret-tokem"})
        assert wrong.status_code == 401
        basic = httpx.post(url, json=GOOD, headers={"Authorization": "Basic s3cret-token"})
        assert basic.status_code == 401
        assert sink.drafts == []
        assert_still_accepts(url, sink, headers={"Authorization": "Bearer s3cret-token"})
        assert httpx.get(f"{base}/healthz").status_code == 200  # liveness needs no token


def test_health_check_unknown_paths_and_methods(url: str, sink: RecordingSink) -> None:
    base = url.removesuffix("/events")
    assert (httpx.get(f"{base}/healthz").status_code, httpx.get(f"{base}/healthz").json()) == (
        200,
        {"status": "ok"},
    )
    assert httpx.get(f"{base}/other").status_code == 404
    assert httpx.post(f"{base}/other", json=GOOD).status_code == 404
    put = httpx.put(url, json=GOOD)
    assert put.status_code == 501
    assert put.json()["error"]
    assert_still_accepts(url, sink)


def test_a_full_outbox_answers_503_with_retry_after(url: str, sink: RecordingSink) -> None:
    sink.full = True
    answer = httpx.post(url, json=[GOOD, GOOD])
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    sink.full = False
    assert_still_accepts(url, sink)


def test_an_unexpected_error_is_a_500_and_the_server_goes_on(
    url: str, sink: RecordingSink, caplog: pytest.LogCaptureFixture
) -> None:
    sink.failure = RuntimeError("disk on fire")
    with caplog.at_level(logging.ERROR, logger="edge_agent.receivers"):
        answer = httpx.post(url, json=GOOD)
    assert answer.status_code == 500
    assert "nothing was stored" in answer.json()["error"]
    assert any("disk on fire" in r.exc_text for r in caplog.records if r.exc_text)
    sink.failure = None
    assert_still_accepts(url, sink)


def test_a_slow_client_is_cut_off_and_blocks_no_one(sink: RecordingSink) -> None:
    source = receiver(timeout_s=0.5)
    with serving(source, sink) as base:
        host, port = base.removeprefix("http://").split(":")
        url = f"{base}/events"
        # Headers, then a fraction of the promised body, then silence.
        body_drip = socket.create_connection((host, int(port)), timeout=5)
        body_drip.sendall(
            b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"id_'
        )
        # Half a request line, then silence.
        header_drip = socket.create_connection((host, int(port)), timeout=5)
        header_drip.sendall(b"POST /ev")
        started = time.monotonic()
        assert_still_accepts(url, sink)  # served while both stall
        assert time.monotonic() - started < 0.5

        answer = _read_all(body_drip)
        assert answer.startswith(b"HTTP/1.1 408")
        assert _read_all(header_drip) == b""  # cut without a word: it never said what it wanted
        assert time.monotonic() - started < 3
        assert source.counters()["rejected_timeout"] == 1


def test_a_body_dripping_a_byte_at_a_time_is_cut_at_the_deadline(sink: RecordingSink) -> None:
    source = receiver(timeout_s=0.5)
    with serving(source, sink) as base:
        host, port = base.removeprefix("http://").split(":")
        drip = socket.create_connection((host, int(port)), timeout=5)
        drip.sendall(
            b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n"
        )
        started = time.monotonic()
        stop = threading.Event()

        def trickle() -> None:  # each byte well inside the socket timeout
            while not stop.wait(0.1):
                try:
                    drip.send(b" ")
                except OSError:
                    return

        dripping = threading.Thread(target=trickle, daemon=True)
        dripping.start()
        try:
            answer = drip.recv(65536)
        finally:
            stop.set()
            dripping.join(2)
        assert answer.startswith(b"HTTP/1.1 408")
        assert time.monotonic() - started < 2  # not 1000 x 0.1 s
        drip.close()
        assert_still_accepts(f"{base}/events", sink)


def test_more_connections_than_allowed_are_answered_busy(sink: RecordingSink) -> None:
    source = receiver(max_connections=1, timeout_s=5)
    with serving(source, sink) as base:
        host, port = base.removeprefix("http://").split(":")
        idle = socket.create_connection((host, int(port)), timeout=5)
        time.sleep(0.05)  # let the server take it into its only slot
        busy = httpx.post(f"{base}/events", json=GOOD)
        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == "1"
        idle.close()
        deadline = time.monotonic() + 5
        while httpx.post(f"{base}/events", json=GOOD).status_code != 202:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert source.counters()["busy"] >= 1


def test_stop_is_prompt_with_a_connection_open(sink: RecordingSink) -> None:
    source = receiver(timeout_s=60)
    with serving(source, sink) as base:
        host, port = base.removeprefix("http://").split(":")
        idle = socket.create_connection((host, int(port)), timeout=5)
        httpx.post(f"{base}/events", json=GOOD)
        started = time.monotonic()
    assert time.monotonic() - started < 2  # `running` also insists the thread ended
    assert _read_all(idle) == b""
    assert source.bound is None and not source.ready.is_set()


def test_counters_count_requests_acceptances_and_rejections(sink: RecordingSink) -> None:
    source = receiver()
    with serving(source, sink) as base:
        httpx.post(f"{base}/events", json=[GOOD, GOOD])
        httpx.post(f"{base}/events", json={**GOOD, "health": "purple"})
        httpx.post(f"{base}/events", content=b"{", headers=_JSON)
    assert source.counters() == {
        "accepted": 2,
        "invalid_records": 1,
        "rejected_invalid": 1,
        "rejected_malformed": 1,
        "requests": 3,
    }


_JSON = {"Content-Type": "application/json"}


def _read_all(connection: socket.socket) -> bytes:
    with connection:
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)
