"""Tables of the alarms (SQLAlchemy Core), on the ledger's `metadata`; migration 0004."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)

from hub.ledger.schema import metadata
from hub.ledger.types import UtcDateTime

# At most one alarm per key that is not resolved: two hub replicas folding the same key
# meet on this index (INSERT … ON CONFLICT DO NOTHING) instead of opening two alarms.
NOT_RESOLVED = text("state != 'resolved'")

alarms = Table(
    "alarms",
    metadata,
    Column("id", String(26), primary_key=True),  # ULID: sorts by opening time
    Column("rule", String(64), nullable=False),
    Column("type", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("site", String(64), nullable=False),
    Column("key", String(512), nullable=False),
    Column("state", String(16), nullable=False),
    Column("count", BigInteger, nullable=False),
    Column("first_seen", UtcDateTime, nullable=False),
    Column("last_seen", UtcDateTime, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("title", String(300), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("event_ids", JSON, nullable=False),
    Column("acknowledged_by", String(128), nullable=True),
    Column("acknowledged_at", UtcDateTime, nullable=True),
    Column("comment", Text, nullable=True),
    Column("assignee", String(128), nullable=True),
    Column("resolved_by", String(128), nullable=True),
    Column("resolved_at", UtcDateTime, nullable=True),
    Column("escalation_level", Integer, nullable=False),
    Column("escalated_at", UtcDateTime, nullable=True),
    Column("escalate_after_s", Float, nullable=True),
    Column("escalate_at", UtcDateTime, nullable=True),
    Index(
        "ux_alarms_open_key", "key", unique=True,
        postgresql_where=NOT_RESOLVED, sqlite_where=NOT_RESOLVED,
    ),
    Index("ix_alarms_state_escalate_at", "state", "escalate_at"),
    Index("ix_alarms_site_id", "site", "id"),
    Index("ix_alarms_state_id", "state", "id"),
)

alarm_actions = Table(
    "alarm_actions",
    metadata,
    # BIGINT on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("alarm_id", String(26), ForeignKey("alarms.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(128), nullable=False),  # a user, or "system" for the engine
    Column("action", String(16), nullable=False),
    Column("comment", Text, nullable=True),
    Column("detail", JSON, nullable=True),
    Index("ix_alarm_actions_alarm_id_id", "alarm_id", "id"),
)
