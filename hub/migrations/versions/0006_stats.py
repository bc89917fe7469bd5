"""Derived figures and tenant records: enterprise_daily, tenant_rent, tenant_complaints,
tenant_disputes, gateway_status_log, camera_samples, enterprise_colours,
enterprise_colour_history.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.ledger.types import UtcDateTime

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _serial() -> sa.Column:
    return sa.Column(
        "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
        autoincrement=True,
    )


def _key(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.String(64), primary_key=True) for name in names]


def upgrade() -> None:
    """Create the tables of derived figures, tenant records, status history and colours."""
    op.create_table(
        "enterprise_daily",
        *_key("site", "enterprise"),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("visitors", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("after_hours_entries", sa.Integer(), nullable=False),
        sa.Column("denied", sa.Integer(), nullable=False),
        sa.Column("computed_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_enterprise_daily_site_day", "enterprise_daily", ["site", "day"])

    op.create_table(
        "tenant_rent",
        *_key("site", "enterprise"),
        sa.Column("due_date", sa.Date(), primary_key=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_date", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_table(
        "tenant_complaints",
        *_key("site", "id"),
        sa.Column("enterprise", sa.String(64), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
    )
    op.create_index(
        "ix_tenant_complaints_site_enterprise", "tenant_complaints", ["site", "enterprise"]
    )
    op.create_table(
        "tenant_disputes",
        *_key("site", "id"),
        sa.Column("enterprise", sa.String(64), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
    )
    op.create_index("ix_tenant_disputes_site_enterprise", "tenant_disputes", ["site", "enterprise"])

    op.create_table(
        "gateway_status_log",
        _serial(),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("gateway", sa.String(64), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
    )
    op.create_index(
        "ix_gateway_status_log_site_gateway_at", "gateway_status_log", ["site", "gateway", "at"]
    )
    op.create_table(
        "camera_samples",
        sa.Column("site", sa.String(64), primary_key=True),
        sa.Column("camera", sa.String(128), primary_key=True),
        sa.Column("at", UtcDateTime(), primary_key=True),
        sa.Column("gateway", sa.String(64), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_camera_samples_site_at", "camera_samples", ["site", "at"])

    op.create_table(
        "enterprise_colours",
        *_key("site", "enterprise"),
        sa.Column("colour", sa.String(8), nullable=False),
        sa.Column("assessed_colour", sa.String(8), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("assessed_at", UtcDateTime(), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.Column("override_colour", sa.String(8), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("override_by", sa.String(64), nullable=True),
        sa.Column("override_at", UtcDateTime(), nullable=True),
        sa.Column("override_until", UtcDateTime(), nullable=True),
    )
    op.create_table(
        "enterprise_colour_history",
        _serial(),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("enterprise", sa.String(64), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("colour", sa.String(8), nullable=False),
        sa.Column("previous", sa.String(8), nullable=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
    )
    op.create_index(
        "ix_enterprise_colour_history_site_enterprise_id", "enterprise_colour_history",
        ["site", "enterprise", "id"],
    )


def downgrade() -> None:
    """Drop the tables of this revision."""
    for table in (
        "enterprise_colour_history", "enterprise_colours", "camera_samples",
        "gateway_status_log", "tenant_disputes", "tenant_complaints", "tenant_rent",
        "enterprise_daily",
    ):
        op.drop_table(table)
