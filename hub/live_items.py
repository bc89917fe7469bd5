"""What a live stream carries: items made cheaply on the producer's thread, encoded lazily.

An item is made per event on the ingest writer's thread, so it only holds references. Its
server-sent-event bytes are made on the event loop the first time a stream sends it, and
kept: every stream that sends the item sends the same bytes.

The SSE framing is written here rather than by sse-starlette's ServerSentEvent so a whole
batch goes out as one chunk; it is safe because no field can hold a line break: data is
compact JSON (orjson escapes newlines inside strings), ids are ULIDs, UUIDs or site and
gateway names, which the protocol limits to letters, digits, '.', '_' and '-'.
"""

from __future__ import annotations

from typing import Final

import orjson

from hub.alarms.lifecycle import Alarm, Change
from hub.alarms.notify import notification_payload
from hub.records import EventRecord, StatusRecord

EVENT: Final = "event"
ALARM: Final = "alarm"
GATEWAY: Final = "gateway"
ITEM_TYPES: Final = frozenset({EVENT, ALARM, GATEWAY})

Source = EventRecord | StatusRecord | tuple[Alarm, Change]


class LiveItem:
    """One thing for the streams: its type, site and event kind, and its source record."""

    __slots__ = ("_message", "kind", "site", "source", "type")

    def __init__(self, type_: str, site: str, kind: str | None, source: Source) -> None:
        self.type = type_
        self.site = site
        self.kind = kind
        self.source = source
        self._message: bytes | None = None

    def message(self) -> bytes:
        """The SSE message (`event:`, `id:`, `data:`), made once."""
        if self._message is None:
            self._message = _encode(self)
        return self._message


def event_item(record: EventRecord) -> LiveItem:
    """A newly stored event."""
    return LiveItem(EVENT, record.event.site, record.event.kind, record)


def gateway_item(status: StatusRecord) -> LiveItem:
    """A gateway's new status (online, or offline by its last will)."""
    return LiveItem(GATEWAY, status.site, None, status)


def alarm_item(alarm: Alarm, change: Change) -> LiveItem:
    """An alarm opened, escalated, acknowledged, resolved or commented."""
    return LiveItem(ALARM, alarm.site, None, (alarm, change))


def dropped_message(count: int | None) -> bytes:
    """Tells the client it missed `count` items (None: an unknown number) and should refetch."""
    data = orjson.dumps({"dropped": count})
    return b"event: dropped\ndata: " + data + b"\n\n"


def comment_message(text: str) -> bytes:
    """An SSE comment, which clients ignore (used to confirm the stream is subscribed)."""
    return f": {text}\n\n".encode()


def _encode(item: LiveItem) -> bytes:
    source = item.source
    if isinstance(source, EventRecord):
        return _frame(EVENT, str(source.event.id), event_data(source))
    if isinstance(source, StatusRecord):
        return _frame(GATEWAY, f"{source.site}/{source.gateway}", gateway_data(source))
    alarm, change = source
    return _frame(ALARM, alarm.id, notification_payload(alarm, change))


def event_data(record: EventRecord) -> bytes:
    """An event as the API's event search shows it: envelope, received_at, enrichment."""
    document = orjson.loads(record.body)
    document["received_at"] = record.received_at.isoformat()
    document["enrichment"] = record.enrichment._asdict()
    return orjson.dumps(document)


def gateway_data(status: StatusRecord) -> bytes:
    """A gateway status with its site, gateway and when the hub received it."""
    document = {"site": status.site, "gateway": status.gateway,
                **status.status.model_dump(mode="json"),
                "received_at": status.received_at.isoformat()}
    return orjson.dumps(document)


def _frame(event: str, event_id: str, data: bytes) -> bytes:
    return b"event: %b\nid: %b\ndata: %b\n\n" % (event.encode(), event_id.encode(), data)
