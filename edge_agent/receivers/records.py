"""What every receiver does with an input record: validate it and say what is wrong, by field.

Error texts name fields, never their values: a refused record may hold an ID number, and
the texts end up in logs and in answers to devices.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
)

from sitewatch.protocol.events import Printable
from sitewatch.protocol.pseudonym import normalise_identifier

M = TypeVar("M", bound=BaseModel)
_MAX_PROBLEMS = 20  # a batch of garbage gets a useful answer, not a megabyte of them
# A field name worth echoing: a word with at most two digits (a typo, not an ID number).
_SAFE_NAME = re.compile(r"^(?!(?:.*\d){3})[A-Za-z_][A-Za-z0-9_\-]{0,39}$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input record: where (`index` in a batch, `field`) and what."""

    field: str
    message: str
    index: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The problem as it appears in an error answer's `detail`."""
        out: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.index is not None:
            out["index"] = self.index
        return out

    def __str__(self) -> str:
        where = f"record {self.index}: " if self.index is not None else ""
        return f"{where}{self.field}: {self.message}"


class RecordError(ValueError):
    """An input record that cannot become an event; the problems name fields, not values."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:_MAX_PROBLEMS]))
        self.problems = problems

    def at(self, index: int) -> RecordError:
        """The same problems, placed at `index` of a batch."""
        return RecordError([Problem(p.field, p.message, index) for p in self.problems])


class MalformedInput(ValueError):
    """Input that is not even JSON (or carries what the hub refuses outright)."""


def parse_json(data: bytes) -> Any:
    """A JSON document, or MalformedInput saying where it breaks (not what it says)."""
    if b"\\u0000" in data:
        # The hub refuses any payload with a NUL (PostgreSQL cannot store it): refuse it here.
        raise MalformedInput("contains a NUL character (\\u0000)")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise MalformedInput(f"malformed JSON ({exc.msg}) at {where}") from None


class InputModel(BaseModel):
    """Base of the documented input formats: unknown fields refused, so typos show."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def validate_record(model: type[M], record: Any, timezone: str | None = None) -> M:
    """`record` as `model`, or RecordError naming each bad field (never its value)."""
    if not isinstance(record, Mapping):
        raise RecordError([Problem("(record)", "must be a JSON object")])
    context = {"timezone": ZoneInfo(timezone) if timezone else None}
    try:
        return model.model_validate(record, context=context)
    except ValidationError as exc:
        raise RecordError(problems_of(exc)) from None


def problems_of(exc: ValidationError) -> list[Problem]:
    """Field-named problems of a pydantic error, without the offending input."""
    found = []
    for item in exc.errors(include_url=False, include_context=False, include_input=False):
        field = ".".join(str(part) for part in item["loc"]) or "(record)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden" and not _SAFE_NAME.match(field):
            field = "(unknown field)"  # the client chose this name: it may be a number itself
        if item["type"] == "string_pattern_mismatch":
            message = "has characters that are not allowed"  # a regex is no answer for people
        found.append(Problem(field, message))
    return found[:_MAX_PROBLEMS]


def synonyms(table: Mapping[str, str]) -> BeforeValidator:
    """A validator mapping vendor spellings (any case; numbers as their text) to ours."""

    def translate(value: Any) -> Any:
        if isinstance(value, bool):
            return value  # True is no code: let the type check refuse it
        if isinstance(value, int | str):
            key = str(value).strip().lower()
            return table.get(key, key)
        return value

    return BeforeValidator(translate)


def _timestamp(value: Any, info: ValidationInfo) -> datetime:
    """An RFC 3339 string; without an offset, only when a site time zone is configured."""
    if not isinstance(value, str):
        raise ValueError("must be an RFC 3339 date-time string with an offset")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("must be an RFC 3339 date-time string with an offset") from None
    if parsed.tzinfo is None:
        zone: tzinfo | None = (info.context or {}).get("timezone")
        if zone is None:
            raise ValueError("has no UTC offset and no timezone is configured")
        parsed = parsed.replace(tzinfo=zone)
    return parsed


Timestamp = Annotated[datetime, BeforeValidator(_timestamp)]


def _identifier_text(value: Any) -> Any:
    """Numbers are accepted for identifiers (card numbers often arrive as JSON numbers)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def has_identifier(value: str) -> str:
    """`value` unchanged if it has letters or digits (what pseudonymisation keeps)."""
    if not normalise_identifier(value):
        raise ValueError("has no letters or digits")
    return value


Identifier = Annotated[
    str,
    BeforeValidator(_identifier_text),
    Field(strict=True, min_length=1, max_length=128),
    AfterValidator(has_identifier),
]
"""A personal identifier in clear: pseudonymised before it goes anywhere."""

DeviceId = Annotated[str, Field(min_length=1, max_length=128, pattern=Printable)]


def device_of(named: str | None, default: str | None, field: str = "device") -> str:
    """The device a record names, else the configured one; RecordError when neither."""
    device = named or default
    if device is None:
        raise RecordError([Problem(field, "is required: no default device is configured")])
    return device
