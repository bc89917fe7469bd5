"""The access-audit CSV: who passed which gate, streamed page by page out of the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from hub.exports.event_rows import BOM, EVENT_COLUMNS, csv_text, event_row
from hub.ledger import Ledger
from hub.records import EventQuery

# Events of someone (or a vehicle) passing a gate, or being turned away at one.
PASSAGE_KINDS = ("access", "place_scan", "vehicle")
PAGE_SIZE = 1000


def access_csv_chunks(
    ledger: Ledger, query: EventQuery, page_size: int = PAGE_SIZE
) -> Iterator[bytes]:
    """The CSV, newest first: the header, then one chunk per ledger page.

    Only one page is held at a time, so an export of a year of events needs no more
    memory than a search. The query's own limit and cursor are ignored.
    """
    yield (BOM + csv_text([list(EVENT_COLUMNS)])).encode("utf-8")
    page_query = replace(query, limit=page_size, cursor=None)
    while True:
        page = ledger.search_events(page_query)
        if page.items:
            yield csv_text(event_row(item) for item in page.items).encode("utf-8")
        if page.next_cursor is None:
            return
        page_query = replace(page_query, cursor=page.next_cursor)
