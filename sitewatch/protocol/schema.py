"""The JSON Schema of protocol v1, written to docs/protocol.schema.json and checked for drift."""

from __future__ import annotations

import json
from typing import Any

from sitewatch.protocol.events import event_adapter
from sitewatch.protocol.messages import GatewayHealth, GatewayStatus


def protocol_schema() -> dict[str, Any]:
    """One schema document: an events payload is an envelope or an array of them."""
    event = event_adapter.json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs: dict[str, Any] = event.pop("$defs", {})
    defs["Event"] = event
    for model in (GatewayStatus, GatewayHealth):
        schema = model.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
        defs.update(schema.pop("$defs", {}))
        defs[model.__name__] = schema
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://sitewatch.example/protocol/v1.schema.json",
        "title": "sitewatch wire protocol v1: events payload",
        "description": (
            "Payload of {prefix}/{site}/{gateway}/events: one event envelope or a batch "
            "(array) of them. Status and health payloads are under $defs."
        ),
        "oneOf": [
            {"$ref": "#/$defs/Event"},
            {"type": "array", "items": {"$ref": "#/$defs/Event"}, "minItems": 1},
        ],
        "$defs": dict(sorted(defs.items())),
    }


def protocol_schema_text() -> str:
    """The schema as the committed file's text."""
    return json.dumps(protocol_schema(), indent=2, sort_keys=True) + "\n"
