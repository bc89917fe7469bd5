"""Initial ledger: events, dead letters, gateways, sequence gaps, media.

Revision ID: 0001
Revises:
Create Date: 2024-06-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.ledger.types import UtcDateTime

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the ledger's tables and indexes."""
    op.create_table(
        "events",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("gateway", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("ts", UtcDateTime(), nullable=False),
        sa.Column("device", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(64), nullable=True),
        sa.Column("result", sa.String(64), nullable=True),
        sa.Column("plate", sa.String(16), nullable=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_events_ts_id", "events", ["ts", "id"])
    op.create_index("ix_events_site_ts", "events", ["site", "ts"])
    op.create_index("ix_events_subject_ts", "events", ["subject", "ts"])
    op.create_index("ix_events_kind_ts", "events", ["kind", "ts"])
    op.create_index("ix_events_device_ts", "events", ["device", "ts"])
    op.create_index("ix_events_site_gateway_seq", "events", ["site", "gateway", "seq"])

    op.create_table(
        "dead_letters",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("truncated", sa.Boolean(), nullable=False),
    )

    op.create_table(
        "gateways",
        sa.Column("site", sa.String(64), primary_key=True),
        sa.Column("gateway", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("agent_version", sa.String(64), nullable=True),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("config_hash", sa.String(128), nullable=True),
        sa.Column("status_at", UtcDateTime(), nullable=True),
        sa.Column("last_seen", UtcDateTime(), nullable=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=True),
        sa.Column("events_total", sa.BigInteger(), nullable=False),
        sa.Column("health", sa.Text(), nullable=True),
        sa.Column("health_at", UtcDateTime(), nullable=True),
    )

    op.create_table(
        "sequence_gaps",
        sa.Column("site", sa.String(64), primary_key=True),
        sa.Column("gateway", sa.String(64), primary_key=True),
        sa.Column("first", sa.BigInteger(), primary_key=True),
        sa.Column("last", sa.BigInteger(), nullable=False),
    )

    op.create_table(
        "media",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("gateway", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    """Drop the ledger's tables."""
    for table in ("media", "sequence_gaps", "gateways", "dead_letters", "events"):
        op.drop_table(table)
