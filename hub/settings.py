"""The hub's settings: one pydantic-settings tree, from a YAML file and the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from hub.alarms.settings import AlarmSettings
from hub.api.limits import DEFAULT_MAX_BODY_BYTES
from hub.auth_settings import AuthSettings
from hub.stats.settings import StatsSettings
from hub.timeseries.settings import TimeSeriesSettings
from sitewatch.protocol import DEFAULT_MAX_PAYLOAD, DEFAULT_PREFIX
from sitewatch.settings import YamlEnvSettings, load_yaml_settings


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BrokerSettings(_Section):
    """Where the hub subscribes, and how."""

    host: str = Field("127.0.0.1", description="MQTT broker host")
    port: int = Field(1883, ge=1, le=65535, description="MQTT broker port")
    username: str | None = Field(None, description="MQTT user name, if the broker wants one")
    password: SecretStr | None = Field(None, description="MQTT password")
    tls_ca_file: Path | None = Field(None, description="CA bundle; setting it turns TLS on")
    tls_cert_file: Path | None = Field(None, description="client certificate for mutual TLS")
    tls_key_file: Path | None = Field(None, description="client key for mutual TLS")
    client_id: str = Field(
        "sitewatch-hub-1",
        description="MQTT client id; must be stable across restarts so the session resumes",
    )
    share_group: str | None = Field(
        None,
        description="shared-subscription group; hub replicas in one group split the stream",
    )
    session_expiry_s: int = Field(
        7 * 24 * 3600,
        ge=0,
        description="how long the broker keeps the hub's session and queue while it is away",
    )
    receive_maximum: int = Field(
        10000,
        ge=1,
        le=65535,
        description=(
            "QoS 1 messages the broker may have in flight to the hub (unacknowledged); the "
            "hub acknowledges after each commit, so this window over the commit latency "
            "bounds ingest"
        ),
    )
    receive_maximum_bytes: int = Field(
        32 * 1024 * 1024,
        ge=1024 * 1024,
        description=(
            "payload bytes the hub holds received and not yet acknowledged before it stops "
            "reading from the broker (TCP back-pressure): receive_maximum's counterpart in "
            "bytes, so 10,000 batch messages cannot fill the hub's memory (ingest.receiver: "
            "process, the default)"
        ),
    )
    keepalive_s: int = Field(30, ge=5, description="MQTT keepalive")
    mqtt_version: Literal["5", "3.1.1"] = Field(
        "5", description="MQTT protocol version; 3.1.1 for brokers without v5 (amqtt)"
    )


class IngestSettings(_Section):
    """How messages become ledger rows."""

    max_payload_bytes: int = Field(
        DEFAULT_MAX_PAYLOAD, ge=1024, description="larger payloads are dead-lettered"
    )
    max_media_bytes: int = Field(
        64 * 1024 * 1024, ge=1024, description="larger media objects are dead-lettered"
    )
    max_dead_letter_bytes: int = Field(
        1024 * 1024, ge=0, description="payload bytes kept per dead letter (size and hash always)"
    )
    batch_max_messages: int = Field(
        2000, ge=1,
        description=(
            "most messages committed together in one ledger transaction; never more than "
            "an eighth of broker.receive_maximum, so the broker keeps sending while the "
            "ledger writes"
        ),
    )
    batch_max_events: int = Field(
        5000,
        ge=1,
        description="events at which a group of messages is committed without waiting for more",
    )
    batch_linger_s: float = Field(
        0.01, ge=0, le=1, description="how long a commit waits to gather more messages"
    )
    gc_threshold: int | None = Field(
        50_000,
        ge=700,
        description=(
            "generation-0 threshold of Python's garbage collector in the hub; ingest makes "
            "many short-lived objects and the default (700) runs the collector constantly; "
            "null keeps Python's default"
        ),
    )
    retry_max_s: float = Field(
        10.0, gt=0, description="longest wait between retries while the ledger is unreachable"
    )
    receiver: Literal["process", "thread"] = Field(
        "process",
        description=(
            "where the MQTT subscription runs: 'process', a child process of its own, so "
            "paho's per-message Python does not share the GIL with validation and the ledger "
            "(single-event ingest about twice as fast on two cores); 'thread', inside the "
            "hub's process"
        ),
    )
    switch_interval_s: float | None = Field(
        None,
        gt=0,
        le=0.1,
        description=(
            "Python's thread switch interval for the whole hub process (sys.setswitchinterval),"
            " set when ingest starts; null keeps Python's default of 5 ms. 0.0005 helped while"
            " paho ran in the hub's process; with the receiver in its own process the default"
            " ingests faster (docs/PERFORMANCE.md)"
        ),
    )


class ApiSettings(_Section):
    """The HTTP API."""

    host: str = Field("127.0.0.1", description="address the API listens on")
    port: int = Field(8000, ge=0, le=65535, description="API port (0 picks a free one)")
    export_max_events: int = Field(
        100_000, ge=1, le=10_000_000,
        description="events one investigation export may hold; a larger one is refused (413)",
    )
    max_body_bytes: int = Field(
        DEFAULT_MAX_BODY_BYTES, ge=1024,
        description="largest request body; a larger one is refused (413) before it is read. "
        "Registry import takes files up to 64 MiB whatever this says",
    )


class LiveSettings(_Section):
    """The live stream of events, alarms and gateway statuses (server-sent events)."""

    queue_max: int = Field(
        1000, ge=1, le=1_000_000,
        description="items queued per stream; a client reading too slowly loses the oldest "
        "and is told (a `dropped` event) so it can refetch",
    )
    max_subscribers: int = Field(
        100, ge=1, description="live streams open at once; more are refused with 503"
    )
    ping_s: float = Field(
        15.0, gt=0, le=300, description="keep-alive comment interval, so proxies keep it open"
    )


class HubSettings(YamlEnvSettings):
    """Everything the hub reads at start; YAML file first, environment overrides."""

    model_config = SettingsConfigDict(
        env_prefix="SITEWATCH_HUB_", env_nested_delimiter="__", extra="forbid"
    )

    ledger_url: str = Field(
        "sqlite:///sitewatch-ledger.db",
        description="SQLAlchemy URL: sqlite:///file.db or postgresql+psycopg://user@host/db",
    )
    media_dir: Path = Field(Path("sitewatch-media"), description="content-addressed media files")
    topic_prefix: str = Field(DEFAULT_PREFIX, description="topic prefix of protocol v1")
    broker: BrokerSettings = Field(default_factory=BrokerSettings, description="MQTT broker")
    ingest: IngestSettings = Field(default_factory=IngestSettings, description="ingest tuning")
    api: ApiSettings = Field(default_factory=ApiSettings, description="HTTP API")
    auth: AuthSettings = Field(
        default_factory=AuthSettings, description="API sign-in: bearer token secret and lifetime"
    )
    site_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="per-site HMAC keys (the agents' site_key), by site id: they turn a raw "
        "ID number into the pseudonym events carry, for search and registry import",
    )
    registry_refresh_s: float = Field(
        5.0, gt=0, description="how often registry changes made elsewhere are picked up"
    )
    timeseries: TimeSeriesSettings = Field(
        default_factory=TimeSeriesSettings, description="time series (InfluxDB v2 write API)"
    )
    alarms: AlarmSettings = Field(default_factory=AlarmSettings, description="rules and alarms")
    live: LiveSettings = Field(
        default_factory=LiveSettings, description="live stream (server-sent events)"
    )
    stats: StatsSettings = Field(
        default_factory=StatsSettings,
        description="derived figures: occupancy, enterprise figures, site grades, colours",
    )



def load_hub_settings(path: Path | None = None, **overrides: Any) -> HubSettings:
    """Read the YAML file (if any), apply overrides, then the environment."""
    return load_yaml_settings(HubSettings, path, overrides)
