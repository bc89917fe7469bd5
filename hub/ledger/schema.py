"""Tables of the ledger (SQLAlchemy Core); migrations/versions must create exactly these."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from hub.ledger.types import UtcDateTime

metadata = MetaData()

# Lengths follow protocol v1: names up to 64, devices up to 128, plates up to 16.
# `result` holds a sensor metric (up to 64) as well as verdicts and camera types.
events = Table(
    "events",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("site", String(64), nullable=False),
    Column("gateway", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("ts", UtcDateTime, nullable=False),
    Column("device", String(128), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("subject", String(64), nullable=True),
    Column("result", String(64), nullable=True),
    Column("plate", String(16), nullable=True),
    Column("received_at", UtcDateTime, nullable=False),
    Column("body", Text, nullable=False),
    # Registry enrichment on ingest (hub.registry.enrich); null where the registry knew nothing.
    Column("building", String(64), nullable=True),
    Column("floor", Integer, nullable=True),
    Column("gate", String(64), nullable=True),
    Column("enterprise", String(64), nullable=True),
    Column("person_type", String(16), nullable=True),
    Index("ix_events_ts_id", "ts", "id"),
    Index("ix_events_site_ts", "site", "ts"),
    Index("ix_events_subject_ts", "subject", "ts"),
    Index("ix_events_kind_ts", "kind", "ts"),
    Index("ix_events_device_ts", "device", "ts"),
    Index("ix_events_site_gateway_seq", "site", "gateway", "seq"),
    # Partial: most events name no enterprise (cameras, sensors, strangers), and skipping
    # their index entries saves ingest time; `enterprise = :x` implies NOT NULL, so a
    # search by enterprise still uses it.
    Index(
        "ix_events_enterprise_ts", "enterprise", "ts",
        sqlite_where=text("enterprise IS NOT NULL"),
        postgresql_where=text("enterprise IS NOT NULL"),
    ),
    # Partial for the same reason: only vehicle events carry a plate, and a search by
    # plate over months of events would otherwise read them all.
    Index(
        "ix_events_plate_ts", "plate", "ts",
        sqlite_where=text("plate IS NOT NULL"),
        postgresql_where=text("plate IS NOT NULL"),
    ),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    # BIGINT on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
    Column(
        "id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("received_at", UtcDateTime, nullable=False),
    Column("topic", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("truncated", Boolean, nullable=False),
)

gateways = Table(
    "gateways",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("gateway", String(64), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("agent_version", String(64), nullable=True),
    Column("started_at", UtcDateTime, nullable=True),
    Column("config_hash", String(128), nullable=True),
    Column("status_at", UtcDateTime, nullable=True),
    Column("last_seen", UtcDateTime, nullable=True),
    Column("last_seq", BigInteger, nullable=True),
    Column("events_total", BigInteger, nullable=False),
    Column("health", Text, nullable=True),
    Column("health_at", UtcDateTime, nullable=True),
)

sequence_gaps = Table(
    "sequence_gaps",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("gateway", String(64), primary_key=True),
    Column("first", BigInteger, primary_key=True),
    Column("last", BigInteger, nullable=False),
)

media = Table(
    "media",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("site", String(64), nullable=False),
    Column("gateway", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("path", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
)

# Last, because that module adds its tables to `metadata` above: importing it here makes
# `metadata` complete for migrations and drift checks whoever imports this module first.
from hub.ledger import (  # noqa: E402, F401
    schema_access,
    schema_alarms,
    schema_registry,
    schema_stats,
)
