"""Access controllers → `access` events: the record format, its vendor spellings, the HTTP push.

Input (HTTP push, or one JSON object per line of a controller's log)::

    {"door": "A-1",                          # device id; the configured `device` if absent
     "ts": "2026-11-22T08:01:02+08:00",      # RFC 3339; now if absent
     "card_number": "12345678",              # card / credential number → credential.ref
     "person_id": "E-1024",                  # person or employee number → subject
     "credential_type": "card",              # card | face | qr | pin; configured default
     "direction": "in",                      # in | out; configured default
     "result": "granted",                    # granted | denied | forced | held_open (required)
     "reason": "anti-passback"}              # free text, at most 200 characters

Both numbers are pseudonymised on the gateway; without a person number `subject` is null
(the hub resolves the card through its registry). Spellings accepted besides ours (any case):

- result: allowed/allow/ok/pass/passed/success/valid/access_granted → granted;
  deny/reject/rejected/refused/fail/failed/access_denied → denied; and as denied with the
  code kept as `reason` when none is given: invalid_card, unknown_card, expired_card,
  card_expired, anti_passback, no_permission, outside_schedule;
  forced_open/door_forced/door_forced_open/forced_entry → forced;
  held/door_held/door_held_open/door_open_too_long → held_open (the names access-control
  panels and PSIA/ONVIF-style event feeds use for the two door alarms)
- direction: entry/enter/ingress/进 → in; exit/leave/egress/出 → out
- credential_type: ic/rfid/mifare → card; facial/人脸 → face; qrcode/qr_code/二维码 → qr;
  password/keypad/密码 → pin

A log line may instead be `key=value` words after an optional timestamp (see `kv_record`).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from edge_agent.ports import Draft
from edge_agent.receivers.intake import HttpReceiver, utc_now
from edge_agent.receivers.records import (
    DeviceId,
    Identifier,
    InputModel,
    Problem,
    RecordError,
    Timestamp,
    device_of,
    synonyms,
    validate_record,
)
from edge_agent.receivers.settings import (
    AccessDefaults,
    AccessHttpSettings,
    CredentialType,
    Direction,
)
from edge_agent.settings import SourceContext, SourceEntry, source_settings
from sitewatch.protocol.pseudonym import pseudonymise

AccessResult = Literal["granted", "denied", "forced", "held_open"]

_DENIAL_CODES = (
    "invalid_card", "unknown_card", "expired_card", "card_expired", "anti_passback",
    "no_permission", "outside_schedule",
)  # fmt: skip
_RESULTS = {
    **dict.fromkeys(
        ("allowed", "allow", "ok", "pass", "passed", "success", "valid", "access_granted"),
        "granted",
    ),
    **dict.fromkeys(
        ("deny", "reject", "rejected", "refused", "fail", "failed", "access_denied"), "denied"
    ),
    **dict.fromkeys(_DENIAL_CODES, "denied"),
    **dict.fromkeys(("forced_open", "door_forced", "door_forced_open", "forced_entry"), "forced"),
    **dict.fromkeys(("held", "door_held", "door_held_open", "door_open_too_long"), "held_open"),
}
_DIRECTIONS = {
    **dict.fromkeys(("entry", "enter", "ingress", "进"), "in"),
    **dict.fromkeys(("exit", "leave", "egress", "出"), "out"),
}
_CREDENTIALS = {
    **dict.fromkeys(("ic", "rfid", "mifare"), "card"),
    **dict.fromkeys(("facial", "人脸"), "face"),
    **dict.fromkeys(("qrcode", "qr_code", "二维码"), "qr"),
    **dict.fromkeys(("password", "keypad", "密码"), "pin"),
}


class AccessRecord(InputModel):
    """One door event as a controller reports it (the format in this module's docstring)."""

    door: DeviceId | None = Field(None, description="door or reader id; default: configured")
    ts: Timestamp | None = Field(None, description="when it happened; default: now")
    card_number: Identifier | None = Field(None, description="credential number, in clear")
    person_id: Identifier | None = Field(None, description="person/employee number, in clear")
    credential_type: Annotated[CredentialType | None, synonyms(_CREDENTIALS)] = None
    direction: Annotated[Direction | None, synonyms(_DIRECTIONS)] = None
    result: Annotated[AccessResult, synonyms(_RESULTS)]
    reason: str | None = Field(None, max_length=200)

    @model_validator(mode="before")
    @classmethod
    def _denial_code_as_reason(cls, data: Any) -> Any:
        """`result: anti_passback` says why it was denied: keep that as the reason."""
        if isinstance(data, dict) and data.get("reason") is None:
            code = data.get("result")
            if isinstance(code, str) and code.strip().lower() in _DENIAL_CODES:
                return {**data, "reason": code.strip().lower()}
        return data


def access_draft(
    record: AccessRecord,
    defaults: AccessDefaults,
    default_device: str | None,
    site_key: bytes,
    now: datetime,
) -> Draft:
    """The `access` draft of a validated record, its numbers pseudonymised."""
    card = pseudonymise(site_key, record.card_number) if record.card_number else None
    return Draft(
        kind="access",
        device=device_of(record.door, default_device, "door"),
        ts=record.ts or now,
        fields={
            "subject": pseudonymise(site_key, record.person_id) if record.person_id else None,
            "credential": {"type": record.credential_type or defaults.credential_type, "ref": card},
            "direction": record.direction or defaults.direction,
            "result": record.result,
            "reason": record.reason,
        },
    )


# Key spellings of `key=value` log lines, mapped to the record's fields.
_KV_KEYS = {
    **dict.fromkeys(("door", "device", "reader"), "door"),
    **dict.fromkeys(("card", "card_no", "cardno", "card_number"), "card_number"),
    **dict.fromkeys(("person", "person_id", "employee", "emp", "user"), "person_id"),
    **dict.fromkeys(("cred", "credential", "credential_type"), "credential_type"),
    **dict.fromkeys(("dir", "direction"), "direction"),
    **dict.fromkeys(("result", "event", "status"), "result"),
    **dict.fromkeys(("ts", "time"), "ts"),
    "reason": "reason",
}


def kv_record(line: str) -> dict[str, Any]:
    """A `key=value` log line as a record: `[<date>[ <time>]] door=A-1 card=… dir=in result=…`.

    Values may be quoted (`reason="anti passback"`); a leading timestamp may be one word
    (RFC 3339) or two (date and time). Unknown keys are kept, so the record is refused.
    """
    try:
        words = shlex.split(line)
    except ValueError:
        raise RecordError([Problem("(line)", "unbalanced quotes")]) from None
    bare = 0
    while bare < len(words) and "=" not in words[bare]:
        bare += 1
    if bare > 2:
        raise RecordError([Problem("(line)", "expected a timestamp, then key=value words")])
    record: dict[str, Any] = {"ts": "T".join(words[:bare])} if bare else {}
    for word in words[bare:]:
        key, sep, value = word.partition("=")
        if not sep:
            raise RecordError([Problem("(line)", "a word after the timestamp is not key=value")])
        record[_KV_KEYS.get(key.lower(), key)] = value
    return record


class AccessHttpSource(HttpReceiver):
    """Source type `access_http`: access controllers push door events."""

    def __init__(
        self,
        settings: AccessHttpSettings,
        site_key: bytes,
        *,
        name: str = "access_http",
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(name, settings, clock=clock)
        self.settings = settings
        self._site_key = site_key

    @classmethod
    def from_settings(
        cls, cfg: AccessHttpSettings | SourceEntry, ctx: SourceContext
    ) -> AccessHttpSource:
        """Build the source from its settings entry (the bootstrap's factory call)."""
        return cls(source_settings(AccessHttpSettings, cfg), ctx.site_key)

    def convert(self, record: Any, now: datetime) -> Draft:
        """A pushed record as an `access` draft; RecordError naming bad fields."""
        door_event = validate_record(AccessRecord, record, self.settings.timezone)
        return access_draft(door_event, self.settings, self.settings.device, self._site_key, now)
