"""Build and parse the topics of wire protocol v1: `{prefix}/{site}/{gateway}/{channel}`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from sitewatch.protocol.errors import ProtocolError

DEFAULT_PREFIX = "sitewatch/v1"
Channel = Literal["events", "media", "status", "health"]
CHANNELS: tuple[Channel, ...] = ("events", "media", "status", "health")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class Topic:
    """One parsed protocol topic."""

    site: str
    gateway: str
    channel: Channel
    sha256: str | None = None  # only for media


@dataclass(frozen=True, slots=True)
class Topics:
    """The topics under one prefix, for building (agent) and parsing (hub)."""

    prefix: str = DEFAULT_PREFIX

    def __post_init__(self) -> None:
        if not self.prefix or any(c in self.prefix for c in "+#") or self.prefix.endswith("/"):
            raise ValueError(f"invalid topic prefix {self.prefix!r}")

    def events(self, site: str, gateway: str) -> str:
        """Topic for event envelopes (one or a batch)."""
        return f"{self.prefix}/{_name(site)}/{_name(gateway)}/events"

    def media(self, site: str, gateway: str, sha256: str) -> str:
        """Topic for one media object named by its hash."""
        if not _SHA256.match(sha256):
            raise ValueError(f"invalid sha256 {sha256!r}")
        return f"{self.prefix}/{_name(site)}/{_name(gateway)}/media/{sha256}"

    def status(self, site: str, gateway: str) -> str:
        """Retained status topic, also the last will's."""
        return f"{self.prefix}/{_name(site)}/{_name(gateway)}/status"

    def health(self, site: str, gateway: str) -> str:
        """Periodic health topic."""
        return f"{self.prefix}/{_name(site)}/{_name(gateway)}/health"

    def subscriptions(self, share_group: str | None = None) -> list[str]:
        """The hub's subscription filters, optionally as a shared-subscription group."""
        filters = [f"{self.prefix}/+/+/{c}" for c in ("events", "status", "health")]
        filters.append(f"{self.prefix}/+/+/media/+")
        if share_group:
            return [f"$share/{_name(share_group)}/{f}" for f in filters]
        return filters

    def parse(self, topic: str) -> Topic:
        """Parse a topic under this prefix, or raise ProtocolError saying why not."""
        # The hub parses every message's topic, and a gateway's topics repeat: remembered.
        return _parse(self.prefix, topic)


@lru_cache(maxsize=8192)
def _parse(prefix: str, topic: str) -> Topic:
    """`Topics.parse`; a refused topic raises and is not remembered."""
    head = prefix + "/"
    if not topic.startswith(head):
        raise ProtocolError(f"topic {topic!r} is not under prefix {prefix!r}")
    parts = topic[len(head) :].split("/")
    if len(parts) < 3:
        raise ProtocolError(f"topic {topic!r} lacks site, gateway and channel")
    site, gateway, channel, *rest = parts
    if not _NAME.match(site) or not _NAME.match(gateway):
        raise ProtocolError(f"topic {topic!r} has an invalid site or gateway name")
    if channel == "media":
        if len(rest) != 1 or not _SHA256.match(rest[0]):
            raise ProtocolError(f"media topic {topic!r} must end in a lower-case sha256")
        return Topic(site, gateway, "media", rest[0])
    if rest or channel not in CHANNELS:
        raise ProtocolError(f"topic {topic!r} has unknown channel {channel!r}")
    return Topic(site, gateway, channel)


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(f"invalid site/gateway name {value!r}")
    return value
