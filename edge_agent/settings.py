"""The agent's settings: one pydantic-settings tree, from a YAML file and the environment."""

from __future__ import annotations

import hashlib
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from sitewatch.protocol import DEFAULT_PREFIX
from sitewatch.protocol.events import NAME_PATTERN
from sitewatch.settings import YamlEnvSettings, load_yaml_settings

# Only good for a laptop: every developer has it, so it protects nothing.
DEV_SITE_KEY = "sitewatch-development-site-key"


def _default_gateway() -> str:
    """The host name, made topic-safe, so two gateways on one site differ by default."""
    name = re.sub(r"[^A-Za-z0-9_.\-]", "-", socket.gethostname().split(".")[0]).strip("-_.")
    return (name or "gateway")[:64]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TlsSettings(_Section):
    """TLS towards the broker."""

    enabled: bool = Field(False, description="use TLS; on by itself when a file below is set")
    ca_file: Path | None = Field(None, description="CA bundle that signed the broker's cert")
    cert_file: Path | None = Field(None, description="client certificate, for mutual TLS")
    key_file: Path | None = Field(None, description="client private key, for mutual TLS")
    insecure: bool = Field(False, description="skip the broker host-name check (testing only)")

    @property
    def active(self) -> bool:
        """Whether TLS is on, explicitly or because a file was given."""
        return self.enabled or any((self.ca_file, self.cert_file, self.key_file))


class BrokerSettings(_Section):
    """The MQTT broker the agent publishes to."""

    host: str = Field("localhost", description="broker host name or address")
    port: int = Field(1883, ge=1, le=65535, description="broker port (8883 is usual for TLS)")
    username: str | None = Field(None, description="MQTT user name, if the broker wants one")
    password: SecretStr | None = Field(None, description="MQTT password")
    tls: TlsSettings = Field(default_factory=TlsSettings, description="TLS options")
    client_id: str | None = Field(
        None,
        description="MQTT client id; default sitewatch-agent-{site}-{gateway}. Keep it stable "
        "across restarts so the broker resumes the session",
    )
    keepalive_s: int = Field(
        30, ge=1, le=65535, description="MQTT keepalive; the last will fires ~1.5x after loss"
    )
    reconnect_min_s: float = Field(0.5, gt=0, description="first wait before reconnecting")
    reconnect_max_s: float = Field(30.0, gt=0, description="longest wait between reconnects")
    session_expiry_s: int = Field(
        86400, ge=0, description="how long the broker keeps the agent's session while away"
    )
    mqtt_version: Literal["5", "3.1.1"] = Field(
        "5", description="MQTT protocol version; 3.1.1 for brokers without v5 (amqtt)"
    )

    @model_validator(mode="after")
    def _backoff_order(self) -> BrokerSettings:
        if self.reconnect_max_s < self.reconnect_min_s:
            raise ValueError("reconnect_max_s must be at least reconnect_min_s")
        return self


class OutboxSettings(_Section):
    """The durable outbox every event is written to before it is sent."""

    path: Path = Field(
        Path("/var/lib/sitewatch-agent/outbox.db"), description="SQLite file of the outbox"
    )
    max_bytes: int = Field(
        512 * 1024 * 1024,
        ge=1024,
        description="disk budget for pending payloads; beyond it media is shed, then events "
        "are refused (never dropped silently)",
    )


class DeliverySettings(_Section):
    """How the outbox is pumped to the broker."""

    max_inflight: int = Field(
        1000, ge=1, le=20000, description="messages published and not yet acknowledged, at most"
    )
    batch_threshold: int = Field(
        50, ge=1, description="backlog (events) at which events go out as JSON-array batches"
    )
    batch_max: int = Field(500, ge=1, description="events in one batch message, at most")
    batch_max_bytes: int = Field(
        512 * 1024,
        ge=1024,
        le=1024 * 1024,
        description="payload bytes of one batch message, at most (the hub refuses over 1 MiB)",
    )
    shutdown_grace_s: float = Field(
        5.0, ge=0, description="on stop, how long to keep delivering what is pending"
    )

    @model_validator(mode="after")
    def _threshold_fits(self) -> DeliverySettings:
        if self.batch_threshold > self.batch_max:
            raise ValueError("batch_threshold must not exceed batch_max")
        return self


class SourceSettings(BaseModel):
    """One source: its `type` picks the factory; the other keys belong to that type.

    Extra keys are kept here and validated by the source's own settings model when the
    agent is built, so a new source type needs no change to this file.
    """

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="source type: 'simulator', or 'python' (import path)")
    name: str | None = Field(None, description="name in health reports; default: the type")
    enabled: bool = Field(True, description="set false to keep the entry but not run it")

    @property
    def label(self) -> str:
        """The name the source goes by in logs and health reports."""
        return self.name or self.type

    def options(self) -> dict[str, Any]:
        """The type-specific keys (everything but type, name and enabled)."""
        return dict(self.model_extra or {})


SourceModel = TypeVar("SourceModel", bound=BaseModel)


class SourceEntry(Protocol):
    """What a source's factory is handed: a `sources` entry (SourceSettings, or a stand-in)."""

    type: str

    def options(self) -> dict[str, Any]:
        """The type-specific keys."""
        ...


def source_settings(model: type[SourceModel], cfg: SourceModel | SourceEntry) -> SourceModel:
    """A source's own settings from its entry in `sources` (its model refuses unknown keys)."""
    if isinstance(cfg, model):
        return cfg
    if isinstance(cfg, BaseModel) and not isinstance(cfg, SourceSettings):
        raise TypeError(f"{type(cfg).__name__} given where {model.__name__} is wanted")
    options = cfg.options()
    if cfg.type == "python":  # `type: python, target: module:Class` names the class instead
        options.pop("target", None)
    else:
        options["type"] = cfg.type
    return model.model_validate(options)


class AgentSettings(YamlEnvSettings):
    """Everything the agent reads at start; YAML file first, environment overrides."""

    model_config = SettingsConfigDict(
        env_prefix="SITEWATCH_AGENT_", env_nested_delimiter="__", extra="forbid"
    )

    environment: Literal["development", "production"] = Field(
        "production", description="'development' allows the built-in site key"
    )
    site: str = Field(pattern=NAME_PATTERN, description="site id, as registered at the hub")
    gateway: str = Field(
        default_factory=_default_gateway,
        pattern=NAME_PATTERN,
        description="gateway id, unique within the site; default: the host name",
    )
    site_key: SecretStr = Field(
        SecretStr(DEV_SITE_KEY),
        min_length=16,
        description="HMAC key that pseudonymises personal identifiers; the hub holds the same",
    )
    topic_prefix: str = Field(DEFAULT_PREFIX, description="topic prefix of protocol v1")
    broker: BrokerSettings = Field(default_factory=BrokerSettings, description="MQTT broker")
    outbox: OutboxSettings = Field(default_factory=OutboxSettings, description="durable outbox")
    delivery: DeliverySettings = Field(
        default_factory=DeliverySettings, description="outbox pump tuning"
    )
    health_interval_s: float = Field(10.0, gt=0, description="seconds between health reports")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="log level on stderr"
    )
    sources: list[SourceSettings] = Field(
        default_factory=list, description="what produces events on this gateway"
    )

    @model_validator(mode="after")
    def _no_dev_key_in_production(self) -> AgentSettings:
        if self.environment != "development" and self.site_key.get_secret_value() == DEV_SITE_KEY:
            raise ValueError(
                "site_key is the built-in development key; set SITEWATCH_AGENT_SITE_KEY "
                "(or environment: development on a laptop)"
            )
        return self

    @property
    def client_id(self) -> str:
        """The MQTT client id: configured, or derived from site and gateway."""
        return self.broker.client_id or f"sitewatch-agent-{self.site}-{self.gateway}"

    def config_hash(self) -> str:
        """SHA-256 of the effective settings, secrets left out, for the status message."""
        document = self.model_dump(
            mode="json", exclude={"site_key": True, "broker": {"password"}}
        )
        return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()



@dataclass(frozen=True, slots=True)
class SourceContext:
    """What every source is handed besides its own settings: who and where it runs."""

    site: str
    gateway: str
    site_key: bytes
    state_dir: Path | None = None  # where sources keep state of their own (beside the outbox)

    @classmethod
    def from_settings(cls, settings: AgentSettings) -> SourceContext:
        """The context of sources run under these settings."""
        key = settings.site_key.get_secret_value().encode("utf-8")
        return cls(
            site=settings.site,
            gateway=settings.gateway,
            site_key=key,
            state_dir=settings.outbox.path.parent,
        )


def load_settings(path: Path | None = None, **overrides: Any) -> AgentSettings:
    """Read the YAML file (if any), apply overrides, then the environment."""
    return load_yaml_settings(AgentSettings, path, overrides)
