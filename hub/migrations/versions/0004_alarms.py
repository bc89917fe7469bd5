"""Alarms and their history: alarms, alarm_actions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.ledger.types import UtcDateTime

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here as migrations are, rather than imported from hub.ledger.schema_alarms.
NOT_RESOLVED = sa.text("state != 'resolved'")


def upgrade() -> None:
    """Create the alarm tables and their indexes, one open alarm per key at most."""
    op.create_table(
        "alarms",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("first_seen", UtcDateTime(), nullable=False),
        sa.Column("last_seen", UtcDateTime(), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("event_ids", sa.JSON(), nullable=False),
        sa.Column("acknowledged_by", sa.String(128), nullable=True),
        sa.Column("acknowledged_at", UtcDateTime(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("assignee", sa.String(128), nullable=True),
        sa.Column("resolved_by", sa.String(128), nullable=True),
        sa.Column("resolved_at", UtcDateTime(), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("escalated_at", UtcDateTime(), nullable=True),
        sa.Column("escalate_after_s", sa.Float(), nullable=True),
        sa.Column("escalate_at", UtcDateTime(), nullable=True),
    )
    op.create_index(
        "ux_alarms_open_key", "alarms", ["key"], unique=True,
        postgresql_where=NOT_RESOLVED, sqlite_where=NOT_RESOLVED,
    )
    op.create_index("ix_alarms_state_escalate_at", "alarms", ["state", "escalate_at"])
    op.create_index("ix_alarms_site_id", "alarms", ["site", "id"])
    op.create_index("ix_alarms_state_id", "alarms", ["state", "id"])

    op.create_table(
        "alarm_actions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("alarm_id", sa.String(26), sa.ForeignKey("alarms.id"), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
    )
    op.create_index("ix_alarm_actions_alarm_id_id", "alarm_actions", ["alarm_id", "id"])


def downgrade() -> None:
    """Drop the alarm tables."""
    op.drop_table("alarm_actions")
    op.drop_table("alarms")
