"""Hypothesis strategies for wire-protocol payloads: valid envelopes, mutants and garbage."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from ulid import ULID

from sitewatch.protocol import DEFAULT_MAX_PAYLOAD
from sitewatch.protocol.codec import MAX_BATCH

SITE, GATEWAY = "park", "gw-1"


def fuzzing(max_examples: int) -> settings:
    """Settings of every fuzz test: the same examples each run, none remembered between runs."""
    return settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


EVENTS_TOPIC = f"sitewatch/v1/{SITE}/{GATEWAY}/events"

_NAME = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.\-]{0,20}\Z")
_HEX64 = st.binary(min_size=32, max_size=32).map(bytes.hex)
# Printable as the protocol means it: no C0 controls or DEL; no lone surrogates (not UTF-8).
_PRINTABLE = st.characters(
    blacklist_categories=("Cs",), blacklist_characters=[chr(c) for c in (*range(32), 127)]
)
_ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_EVENT_ID = st.one_of(
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
    st.binary(min_size=16, max_size=16).map(lambda b: str(ULID.from_bytes(b))),
    st.binary(min_size=16, max_size=16).map(lambda b: str(ULID.from_bytes(b)).lower()),
)
_ZONES = st.sampled_from([
    UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30)),
    timezone(timedelta(hours=14)), timezone(timedelta(hours=-12)),
])
_TS = st.datetimes(datetime(1970, 1, 2), datetime(2200, 1, 1), timezones=_ZONES).map(
    datetime.isoformat
)
_MEDIA = st.fixed_dictionaries({
    "sha256": _HEX64,
    "content_type": st.sampled_from(["image/jpeg", "video/mp4", "image/png"]),
    "role": st.sampled_from(["snapshot", "clip"]),
})
_COUNT = st.integers(0, 10**6)
_KIND_FIELDS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # kind: (required fields, optional fields)
    "place_scan": (
        {"subject": _HEX64, "method": st.sampled_from(["place_code", "id_card", "health_qr"]),
         "health": st.sampled_from(["green", "yellow", "red", "unknown"]),
         "verdict": st.sampled_from(["pass", "deny"])},
        {"temperature_c": st.none() | st.floats(20.0, 50.0), "visitor": st.booleans()},
    ),
    "access": (
        {"credential": st.fixed_dictionaries(
            {"type": st.sampled_from(["card", "face", "qr", "pin"])},
            optional={"ref": st.none() | _HEX64}),
         "direction": st.sampled_from(["in", "out"]),
         "result": st.sampled_from(["granted", "denied", "forced", "held_open"])},
        {"subject": st.none() | _HEX64, "reason": st.none() | st.text(_PRINTABLE, max_size=200)},
    ),
    "camera": (
        {"type": st.sampled_from(
            ["motion", "person", "line_crossing", "intrusion", "tamper", "crowd"])},
        {"count": _COUNT, "in": _COUNT, "out": _COUNT, "zone": st.text(_PRINTABLE, max_size=64),
         "score": st.floats(0.0, 1.0),
         "boxes": st.lists(st.lists(st.integers(0, 10_000), min_size=4, max_size=4), max_size=5)},
    ),
    "vehicle": (
        {"plate": st.text(_PRINTABLE, min_size=1, max_size=16),
         "direction": st.sampled_from(["in", "out"]),
         "result": st.sampled_from(["granted", "denied"])},
        {},
    ),
    "sensor": (
        {"metric": st.builds(str.__add__, st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
                             st.text("abcdefghijklmnopqrstuvwxyz0123456789_", max_size=20))},
        {"value": st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False),
         "unit": st.text(_PRINTABLE, max_size=16), "alarm": st.booleans()},
    ),
}
KINDS = tuple(_KIND_FIELDS)
_COMMON_REQUIRED = ("v", "id", "seq", "ts", "site", "gateway", "device", "kind")


def valid_envelope(kind: str, site: str = SITE, gateway: str = GATEWAY) -> st.SearchStrategy[
    dict[str, Any]
]:
    """Envelopes of `kind` that protocol v1 accepts on the topic of `site`/`gateway`."""
    required, optional = _KIND_FIELDS[kind]
    return st.fixed_dictionaries(
        {"v": st.just(1), "id": _EVENT_ID, "seq": st.integers(1, 2**63 - 1), "ts": _TS,
         "site": st.just(site), "gateway": st.just(gateway),
         "device": st.text(_PRINTABLE, min_size=1, max_size=128), "kind": st.just(kind),
         **required},
        optional={"media": st.lists(_MEDIA, max_size=3), **optional},
    )


valid_envelopes = st.sampled_from(KINDS).flatmap(valid_envelope)

# Values no field of the protocol wants, or wants only within limits.
_JSON_SCALARS = (
    st.none() | st.booleans() | st.integers(-(2**64), 2**64) | st.floats(allow_nan=False)
    | _ANY_TEXT
)
json_values = st.recursive(
    _JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
_EDGE_NUMBERS = st.sampled_from([
    0, -1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 10**40, -(2**63) - 1,
    1e308, -1e308, 5e-324, 0.1, 1.5, float("inf"), float("nan"),
])
_EDGE_TEXT = st.sampled_from([
    "", " ", "\x00", "a\x00b", "\u0000" * 3, "\n", "\x7f", "\u2028", "\ufeff", "é" * 300,
    "x" * 5000, "💥", "../../etc/passwd", "'; DROP TABLE events; --", "%s%s%n",
    "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59.999999Z",
    "2026-02-30T00:00:00Z", "2026-11-22T08:00:00", "1800000000", "2026-11-22T08:00:00+24:00",
])


def _nested_list(depth: int) -> Any:
    """`depth` lists, one inside the other, around a zero."""
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


# Nested below Python's recursion limit here; deep_nesting() writes deeper ones as bytes.
hostile_values = st.one_of(json_values, _EDGE_NUMBERS, _EDGE_TEXT,
                           st.sampled_from([1, 2, 254, 255, 256, 300, 800]).map(_nested_list))



@dataclass(frozen=True)
class Mutant:
    """A mutated envelope, and whether protocol v1 must refuse it (or may take it)."""

    doc: dict[str, Any]
    must_reject: bool


def _drop_required(doc: dict[str, Any], data: st.DataObject) -> Mutant:
    required = [*_COMMON_REQUIRED, *_KIND_FIELDS[doc["kind"]][0]]
    key = data.draw(st.sampled_from(required))
    return Mutant({k: v for k, v in doc.items() if k != key}, True)


def _add_unknown(doc: dict[str, Any], data: st.DataObject) -> Mutant:
    key = data.draw(_ANY_TEXT.filter(lambda k: k not in _all_fields()))
    return Mutant({**doc, key: data.draw(json_values)}, True)


def _replace_value(doc: dict[str, Any], data: st.DataObject) -> Mutant:
    key = data.draw(st.sampled_from(sorted(doc)))
    return Mutant({**doc, key: data.draw(hostile_values)}, False)


def _wrong_version(doc: dict[str, Any], data: st.DataObject) -> Mutant:
    version = data.draw(hostile_values.filter(lambda v: v != 1 or isinstance(v, bool | float)))
    return Mutant({**doc, "v": version}, True)


def _other_gateway(doc: dict[str, Any], data: st.DataObject) -> Mutant:
    field = data.draw(st.sampled_from(["site", "gateway"]))
    name = data.draw(_NAME.filter(lambda n: n != doc[field]))
    return Mutant({**doc, field: name}, True)


def _other_kind(doc: dict[str, Any], data: st.DataObject) -> Mutant:
    kind = data.draw(st.sampled_from(KINDS).filter(lambda k: k != doc["kind"]) | _ANY_TEXT)
    return Mutant({**doc, "kind": kind}, False)


def _edge_of_range(doc: dict[str, Any], data: st.DataObject) -> Mutant:
    edges = [(key, value) for key, value in _EDGES if key in doc]  # never restore a dropped key
    if not edges:
        return Mutant(doc, False)
    key, value = data.draw(st.sampled_from(edges))
    return Mutant({**doc, key: value}, False)


_EDGES = [
    ("seq", 2**63 - 1), ("seq", 2**63), ("seq", 2**64 - 1), ("seq", 0),
    ("ts", "0001-01-01T00:00:00+01:00"), ("ts", "9999-12-31T23:59:59-01:00"),
    ("ts", "0001-01-01T00:00:00Z"), ("ts", "9999-12-31T23:59:59.999999+00:00"),
]


@st.composite
def edge_envelopes(draw: st.DrawFn) -> dict[str, Any]:
    """A valid envelope but for a seq or time at (or past) the edge of what can be stored."""
    key, value = draw(st.sampled_from(_EDGES))
    return {**draw(valid_envelopes), key: value}


_MUTATIONS = (_drop_required, _add_unknown, _replace_value, _wrong_version, _other_gateway,
              _other_kind, _edge_of_range)


def _all_fields() -> set[str]:
    fields = set(_COMMON_REQUIRED) | {"media"}
    for required, optional in _KIND_FIELDS.values():
        fields |= set(required) | set(optional)
    return fields


@st.composite
def mutants(draw: st.DrawFn) -> Mutant:
    """A valid envelope changed in one to three ways; must_reject if any change forbids it."""
    doc = draw(valid_envelopes)
    data = draw(st.data())
    must_reject = False
    for mutate in draw(st.lists(st.sampled_from(_MUTATIONS), min_size=1, max_size=3)):
        if mutate in (_drop_required, _replace_value) and not doc:
            continue
        known_kind = isinstance(doc.get("kind"), str) and doc["kind"] in _KIND_FIELDS
        if not known_kind and mutate in (_drop_required, _other_kind):
            continue
        if mutate is _other_gateway and not all(isinstance(doc.get(f), str)
                                                for f in ("site", "gateway")):
            continue
        mutant = mutate(doc, data)
        doc, must_reject = mutant.doc, must_reject or mutant.must_reject
    return Mutant(doc, must_reject)


def to_json(document: Any, ascii_only: bool) -> bytes:
    """JSON text of any document, as a careless sender might write it.

    The standard library, not orjson: it writes integers beyond 64 bits, NaN and Infinity
    (not JSON) and, escaped or raw, lone surrogates (not UTF-8) where orjson would refuse.
    """
    return json.dumps(document, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


@st.composite
def byte_mutations(draw: st.DrawFn) -> bytes:
    """The JSON of a valid envelope with bytes flipped, inserted, cut or stray bytes added."""
    raw = bytearray(to_json(draw(valid_envelopes), ascii_only=draw(st.booleans())))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["flip", "insert", "cut", "truncate"]))
        if action == "flip" and where < len(raw):
            raw[where] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            stray = draw(st.sampled_from(
                [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\\u0000", b"\\ud800", b"{", b"]",
                 b'"', b",", b"\\", b"1e999", b"-"]))
            raw[where:where] = stray
        elif action == "cut":
            del raw[where : where + draw(st.integers(1, 8))]
        else:
            del raw[where:]
    return bytes(raw)


@st.composite
def deep_nesting(draw: st.DrawFn) -> bytes:
    """Arrays or objects nested up to 100,000 deep, balanced or not, bare or in an envelope."""
    depth = draw(st.sampled_from([1, 2, 500, 1023, 1024, 1025, 5000, 100_000]))
    opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
    inner = opener * depth + b"1" + closer * (depth - draw(st.sampled_from([0, 0, 1])))
    if draw(st.booleans()):
        return inner
    return b'{"v":1,"kind":"sensor","metric":"smoke","value":' + inner + b"}"


_HUGE_NUMBERS = st.sampled_from([
    b"9" * 400, b"-" + b"9" * 400, b"1e400", b"-1e400", b"1" + b"0" * 5000, b"0." + b"0" * 400
    + b"1", b"18446744073709551616", b"1E+2147483648", b"NaN", b"Infinity", b"-0",
])


@st.composite
def huge_number_envelopes(draw: st.DrawFn) -> bytes:
    """An envelope with one field's value replaced by a number too big for any type."""
    doc = draw(valid_envelopes)
    key = draw(st.sampled_from(sorted(doc)))
    marker = "__HUGE__"
    text = to_json({**doc, key: marker}, ascii_only=True)
    return text.replace(f'"{marker}"'.encode(), draw(_HUGE_NUMBERS))


garbage_payloads = st.one_of(
    st.binary(max_size=512),
    json_values.map(lambda v: to_json(v, ascii_only=False)),
    deep_nesting(),
    huge_number_envelopes(),
    byte_mutations(),
    st.sampled_from([b"", b" ", b"null", b"[]", b"{}", b"[[]]", b"[null]", b'"\\u0000"', b"\x00"]),
)


@dataclass(frozen=True)
class BatchItem:
    """One item of a generated batch: the document and whether it must be accepted."""

    doc: Any
    verdict: str  # "accept", "reject" or "either"


batch_items = st.one_of(
    valid_envelopes.map(lambda d: BatchItem(d, "accept")),
    mutants().map(lambda m: BatchItem(m.doc, "reject" if m.must_reject else "either")),
    json_values.filter(lambda v: not isinstance(v, dict)).map(lambda v: BatchItem(v, "reject")),
)


def batch_length(payload: bytes, max_bytes: int = DEFAULT_MAX_PAYLOAD) -> int | None:
    """How many items a payload holds if it is a batch the decoder takes apart, else None."""
    if len(payload) > max_bytes or b"\\u0000" in payload:
        return None
    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    if isinstance(document, list) and 0 < len(document) <= MAX_BATCH:
        return len(document)
    return None


def expected_items(payload: bytes, max_bytes: int = DEFAULT_MAX_PAYLOAD) -> int:
    """How many items a payload holds: a batch's length, else one message."""
    return batch_length(payload, max_bytes) or 1
