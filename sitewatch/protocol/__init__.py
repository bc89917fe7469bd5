"""Wire protocol v1 between edge agents and the hub."""

from sitewatch.protocol.codec import (
    DEFAULT_MAX_PAYLOAD,
    Accepted,
    Decoded,
    Rejected,
    decode_events,
    decode_model,
    describe_validation_error,
    encode_event,
    load_json,
)
from sitewatch.protocol.errors import ProtocolError
from sitewatch.protocol.events import (
    EVENT_KINDS,
    PROTOCOL_VERSION,
    Access,
    Camera,
    Credential,
    Envelope,
    Event,
    MediaRef,
    PlaceScan,
    Sensor,
    Vehicle,
    event_adapter,
)
from sitewatch.protocol.messages import CameraHealth, GatewayHealth, GatewayStatus
from sitewatch.protocol.pseudonym import normalise_identifier, pseudonymise
from sitewatch.protocol.topics import DEFAULT_PREFIX, Topic, Topics

__all__ = [
    "DEFAULT_MAX_PAYLOAD",
    "DEFAULT_PREFIX",
    "EVENT_KINDS",
    "PROTOCOL_VERSION",
    "Accepted",
    "Access",
    "Camera",
    "CameraHealth",
    "Credential",
    "Decoded",
    "Envelope",
    "Event",
    "GatewayHealth",
    "GatewayStatus",
    "MediaRef",
    "PlaceScan",
    "ProtocolError",
    "Rejected",
    "Sensor",
    "Topic",
    "Topics",
    "Vehicle",
    "decode_events",
    "decode_model",
    "describe_validation_error",
    "encode_event",
    "event_adapter",
    "load_json",
    "normalise_identifier",
    "pseudonymise",
]
