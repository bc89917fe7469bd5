"""Dead letters: kept with topic, reason, size and hash; oversize payloads truncated."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

import pytest

from hub.ledger import Ledger
from hub.records import IngestBatch
from tests.ledger.factory import GATEWAY, RECEIVED, SITE, dead_letter


@pytest.fixture
def small_ledger(ledger_url: str) -> Iterator[Ledger]:
    """A ledger keeping at most 1 KiB of each dead letter's payload."""
    opened = Ledger.open(ledger_url, max_dead_letter_bytes=1024)
    opened.migrate()
    yield opened
    opened.close()


def test_dead_letter_is_kept_whole(ledger: Ledger) -> None:
    payload = b'{"v": 1, "id": oops}'
    ledger.commit(IngestBatch(dead_letters=[dead_letter(payload, "malformed JSON")]))
    [view] = ledger.list_dead_letters()
    assert view.topic == f"sitewatch/v1/{SITE}/{GATEWAY}/events"
    assert view.reason == "malformed JSON"
    assert (view.payload, view.size, view.truncated) == (payload, len(payload), False)
    assert view.sha256 == hashlib.sha256(payload).hexdigest()
    assert view.received_at == RECEIVED
    assert ledger.dead_letter_count() == 1


def test_oversize_payload_is_truncated_with_full_size_and_hash(small_ledger: Ledger) -> None:
    payload = bytes(range(256)) * 20  # 5120 bytes, not UTF-8
    small_ledger.commit(IngestBatch(dead_letters=[dead_letter(payload, "too large")]))
    [view] = small_ledger.list_dead_letters()
    assert view.truncated
    assert view.payload == payload[:1024]
    assert view.size == 5120
    assert view.sha256 == hashlib.sha256(payload).hexdigest()


def test_payload_of_exactly_the_limit_is_not_truncated(small_ledger: Ledger) -> None:
    small_ledger.commit(IngestBatch(dead_letters=[dead_letter(b"x" * 1024)]))
    [view] = small_ledger.list_dead_letters()
    assert (len(view.payload), view.truncated) == (1024, False)


def test_nul_characters_in_reason_are_stored(ledger: Ledger) -> None:
    ledger.commit(IngestBatch(dead_letters=[dead_letter(b"{}", "field a\x00b: extra")]))
    assert ledger.list_dead_letters()[0].reason == "field a\\x00b: extra"


def test_listing_is_newest_first_and_pages_by_id(ledger: Ledger) -> None:
    letters = [
        dead_letter(f"m{n}".encode(), received_at=RECEIVED + timedelta(seconds=n)) for n in range(5)
    ]
    ledger.commit(IngestBatch(dead_letters=letters[:3]))
    ledger.commit(IngestBatch(dead_letters=letters[3:]))
    views = ledger.list_dead_letters()
    assert [v.payload for v in views] == [b"m4", b"m3", b"m2", b"m1", b"m0"]
    first = ledger.list_dead_letters(limit=2)
    assert [v.payload for v in first] == [b"m4", b"m3"]
    rest = ledger.list_dead_letters(limit=2, before_id=first[-1].id)
    assert [v.payload for v in rest] == [b"m2", b"m1"]
    assert ledger.dead_letter_count() == 5
