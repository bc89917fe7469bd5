"""Ledger records → InfluxDB line protocol, one line per point. Pure: no I/O, no clock.

Dashboards query these with InfluxQL, so the names below are an interface: change them
only together with the dashboards. Timestamps are the event's `ts` in nanoseconds (health:
the report's `ts`; status: when the hub received it). Person identifiers (`subject`,
`plate`) are fields, never tags: as tags each person would make new series (cardinality).
Tags and fields are written sorted by key, as InfluxDB prefers; absent values are left out.

measurement     tags                                          fields
access          site gateway device direction result          count=1i credential_type(s) subject(s)
place_scan      site gateway device health method verdict     count=1i temperature_c fever(b)
                                                              visitor(b) subject(s)
camera          site gateway device type zone                 events=1i count(i) in(i) out(i) score
vehicle         site gateway device direction result          count=1i plate(s)
sensor          site gateway device metric                    value alarm(b)
gateway_health  site gateway                                  outbox_depth(i) inflight(i)
                                                              memory_rss_bytes(i) dropped_total(i)
                                                              oldest_pending_age_s cpu_percent
camera_health   site gateway camera                           fps latency_ms dropped_frames(i)
                                                              online(b)
gateway_status  site gateway                                  online(b)
occupancy       site building                                 persons(i)
alarm           site rule severity state                      count(i) alarm_id(s)

(i) integer, (b) boolean, (s) string; the rest are floats. `fever` is temperature_c ≥ 37.3
and present only with a temperature; a boolean sensor reading is written as 1.0 or 0.0, so
`value` keeps one type. `camera` carries `events=1i` because its other fields are all
optional and a line needs at least one field: count camera events with it. In InfluxQL
`in` is a keyword, so select it as "in". Fields absent from an event are left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.ports import Committed
from hub.records import HealthRecord, StatusRecord
from sitewatch.protocol import Access, Camera, Event, PlaceScan, Sensor, Vehicle

FEVER_THRESHOLD_C = 37.3  # the usual screening threshold at building entrances

# The escaping of influxdb-client's Point, so both spell a line the same way.
_KEY_ESCAPES = str.maketrans(
    {",": r"\,", "=": r"\=", " ": r"\ ", "\n": r"\n", "\t": r"\t", "\r": r"\r"}
)
_STRING_ESCAPES = str.maketrans({'"': r'\"', "\\": r"\\"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Tag values repeat (sites, gateways, devices) and escaping costs more than the rest of a
# line's assembly, so escaped values are remembered; bounded, as devices come from the wire.
_escaped_tags: dict[str, str] = {}
_ESCAPED_TAGS_MAX = 10_000


def timestamp_ns(ts: datetime) -> int:
    """Nanoseconds since the Unix epoch, exactly (no float rounding)."""
    return (ts - _EPOCH) // _MICROSECOND * 1000


def _tag(value: str) -> str:
    escaped = _escaped_tags.get(value)
    if escaped is None:
        escaped = value.translate(_KEY_ESCAPES)
        if escaped.endswith("\\"):
            escaped += " "  # a trailing backslash would escape the separator after it
        if len(_escaped_tags) >= _ESCAPED_TAGS_MAX:
            _escaped_tags.clear()
        _escaped_tags[value] = escaped
    return escaped


def _opt_tag(key: str, value: str | None) -> str:
    """`,key=value`, or nothing for a missing or empty value (InfluxDB refuses empty tags)."""
    return f",{key}={_tag(value)}" if value else ""


def _string(value: str) -> str:
    return '"' + value.translate(_STRING_ESCAPES) + '"'


def _float(value: float) -> str | None:
    """A float field's text, or None for inf and NaN, which line protocol cannot carry."""
    value = float(value)  # JSON numbers may arrive as int; the field type must stay float
    if not math.isfinite(value):
        return None
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def _fields(pairs: list[tuple[str, str | None]]) -> str:
    return ",".join(f"{key}={text}" for key, text in pairs if text is not None)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def access_line(event: Access) -> str:
    """An `access` point."""
    fields = f'count=1i,credential_type="{event.credential.type}"'
    if event.subject is not None:
        fields += f',subject="{event.subject}"'
    return (
        f"access,device={_tag(event.device)},direction={event.direction},"
        f"gateway={_tag(event.gateway)},result={event.result},site={_tag(event.site)} "
        f"{fields} {timestamp_ns(event.ts)}"
    )


def place_scan_line(event: PlaceScan) -> str:
    """A `place_scan` point; `fever` only when a temperature was taken."""
    fields = "count=1i"
    temperature = event.temperature_c
    if temperature is not None:
        fields += f",fever={_bool(temperature >= FEVER_THRESHOLD_C)}"
    fields += f',subject="{event.subject}"'
    if temperature is not None and (text := _float(temperature)) is not None:
        fields += f",temperature_c={text}"
    fields += f",visitor={_bool(event.visitor)}"
    return (
        f"place_scan,device={_tag(event.device)},gateway={_tag(event.gateway)},"
        f"health={event.health},method={event.method},site={_tag(event.site)},"
        f"verdict={event.verdict} {fields} {timestamp_ns(event.ts)}"
    )


def camera_line(event: Camera) -> str:
    """A `camera` point: `events=1i` and whichever of count, in, out and score are present."""
    fields = "events=1i" if event.count is None else f"count={event.count}i,events=1i"
    if event.in_ is not None:
        fields += f",in={event.in_}i"
    if event.out is not None:
        fields += f",out={event.out}i"
    if event.score is not None and (score := _float(event.score)) is not None:
        fields += f",score={score}"
    return (
        f"camera,device={_tag(event.device)},gateway={_tag(event.gateway)},"
        f"site={_tag(event.site)},type={event.type}{_opt_tag('zone', event.zone)} "
        f"{fields} {timestamp_ns(event.ts)}"
    )


def vehicle_line(event: Vehicle) -> str:
    """A `vehicle` point; the plate is a field."""
    return (
        f"vehicle,device={_tag(event.device)},direction={event.direction},"
        f"gateway={_tag(event.gateway)},result={event.result},site={_tag(event.site)} "
        f"count=1i,plate={_string(event.plate)} {timestamp_ns(event.ts)}"
    )


def sensor_line(event: Sensor) -> str:
    """A `sensor` point; a boolean reading becomes 1.0 or 0.0 so `value` stays one type."""
    value = event.value
    fields = _fields([
        ("alarm", _bool(event.alarm)),
        ("value", None if value is None else _float(value)),
    ])
    return (
        f"sensor,device={_tag(event.device)},gateway={_tag(event.gateway)},"
        f"metric={event.metric},site={_tag(event.site)} {fields} {timestamp_ns(event.ts)}"
    )


_EVENT_LINES: dict[type[Any], Callable[[Any], str]] = {
    Access: access_line,
    PlaceScan: place_scan_line,
    Camera: camera_line,
    Vehicle: vehicle_line,
    Sensor: sensor_line,
}


def event_line(event: Event) -> str:
    """The point of an event of any kind."""
    return _EVENT_LINES[type(event)](event)


def health_lines(record: HealthRecord) -> list[str]:
    """A `gateway_health` point and one `camera_health` point per camera in the report."""
    health = record.health
    site, gateway = _tag(record.site), _tag(record.gateway)
    ts = timestamp_ns(health.ts)
    fields = _fields([
        ("cpu_percent", _float(health.cpu_percent)),
        ("dropped_total", f"{sum(health.dropped.values())}i"),
        ("inflight", f"{health.inflight}i"),
        ("memory_rss_bytes", f"{health.memory_rss_bytes}i"),
        ("oldest_pending_age_s", _float(health.oldest_pending_age_s)),
        ("outbox_depth", f"{health.outbox_depth}i"),
    ])
    lines = [f"gateway_health,gateway={gateway},site={site} {fields} {ts}"]
    for name, camera in sorted(health.cameras.items()):
        if not name:
            continue  # an empty tag value is refused, and a nameless camera is of no use
        fields = _fields([
            ("dropped_frames", f"{camera.dropped_frames}i"),
            ("fps", _float(camera.fps)),
            ("latency_ms", None if camera.latency_ms is None else _float(camera.latency_ms)),
            ("online", _bool(camera.online)),
        ])
        lines.append(
            f"camera_health,camera={_tag(name)},gateway={gateway},site={site} {fields} {ts}"
        )
    return lines


def status_line(record: StatusRecord) -> str:
    """A `gateway_status` point, stamped when the hub received the status."""
    online = _bool(record.status.state == "online")
    return (
        f"gateway_status,gateway={_tag(record.gateway)},site={_tag(record.site)} "
        f"online={online} {timestamp_ns(record.received_at)}"
    )


def occupancy_line(site: str, building: str, persons: int, ts: datetime) -> str:
    """An `occupancy` point: persons in a building at `ts`."""
    return (
        f"occupancy,building={_tag(building)},site={_tag(site)} "
        f"persons={int(persons)}i {timestamp_ns(ts)}"
    )


def alarm_line(
    site: str, rule: str, severity: str, state: str, alarm_id: str, ts: datetime, count: int = 1
) -> str:
    """An `alarm` point: an alarm raised, acknowledged or resolved (`state`) at `ts`."""
    return (
        f"alarm,rule={_tag(rule)},severity={_tag(severity)},site={_tag(site)},"
        f"state={_tag(state)} alarm_id={_string(alarm_id)},count={int(count)}i "
        f"{timestamp_ns(ts)}"
    )


def committed_lines(committed: Committed) -> list[str]:
    """Every point of one ledger commit: its new events, health reports and statuses."""
    lines = [event_line(record.event) for record in committed.events]
    for health in committed.healths:
        lines += health_lines(health)
    lines += [status_line(status) for status in committed.statuses]
    return lines
