"""Site registry tables, and the registry enrichment columns of events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.ledger.types import UtcDateTime

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ENRICHMENT = (
    ("building", sa.String(64)),
    ("floor", sa.Integer()),
    ("gate", sa.String(64)),
    ("enterprise", sa.String(64)),
    ("person_type", sa.String(16)),
)


def _key(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.String(64), primary_key=True) for name in names]


def upgrade() -> None:
    """Add the enrichment columns to events and create the registry's tables."""
    # Nullable columns without defaults: a plain ADD COLUMN on both engines, no table copy.
    for name, type_ in _ENRICHMENT:
        op.add_column("events", sa.Column(name, type_, nullable=True))
    op.create_index(
        "ix_events_enterprise_ts", "events", ["enterprise", "ts"],
        sqlite_where=sa.text("enterprise IS NOT NULL"),
        postgresql_where=sa.text("enterprise IS NOT NULL"),
    )

    op.create_table(
        "registry_sites",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
    )
    op.create_table(
        "registry_buildings",
        *_key("site", "id"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("floors", sa.Integer(), nullable=False),
        sa.Column("basement_levels", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
    )
    op.create_table(
        "registry_gates",
        *_key("site", "id"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("building", sa.String(64), nullable=True),
        sa.Column("floor", sa.Integer(), nullable=True),
    )
    op.create_table(
        "registry_gate_devices",
        *_key("site", "id"),
        sa.Column("gate", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("direction", sa.String(4), nullable=True),
    )
    op.create_table(
        "registry_cameras",
        *_key("site", "id"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("building", sa.String(64), nullable=True),
        sa.Column("floor", sa.Integer(), nullable=True),
        sa.Column("zone", sa.String(64), nullable=True),
        sa.Column("analytics", sa.String(128), nullable=False),
    )
    op.create_table("registry_camera_gates", *_key("site", "camera", "gate"))
    op.create_table(
        "registry_sensors",
        *_key("site", "id"),
        sa.Column("metric", sa.String(64), nullable=False),
        sa.Column("building", sa.String(64), nullable=True),
        sa.Column("floor", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(16), nullable=True),
    )
    op.create_table(
        "registry_gateways", *_key("site", "id"), sa.Column("name", sa.String(200), nullable=False)
    )
    op.create_table(
        "registry_gateway_parts",
        *_key("site", "gateway"),
        sa.Column("part_kind", sa.String(8), primary_key=True),
        sa.Column("part", sa.String(64), primary_key=True),
    )
    op.create_table(
        "registry_enterprises",
        *_key("site", "id"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("building", sa.String(64), nullable=False),
        sa.Column("floor", sa.Integer(), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("work_start", sa.Time(), nullable=False),
        sa.Column("work_end", sa.Time(), nullable=False),
        sa.Column("work_days", sa.String(27), nullable=False),
        sa.Column("visitors_per_day", sa.Float(), nullable=False),
        sa.Column("after_hours_share", sa.Float(), nullable=False),
        sa.Column("lease_start", sa.Date(), nullable=True),
        sa.Column("lease_end", sa.Date(), nullable=True),
        sa.Column("contact", sa.String(200), nullable=True),
        sa.Column("property_grade", sa.String(16), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
    )
    op.create_index(
        "ux_registry_enterprises_site_uscc", "registry_enterprises", ["site", "uscc"], unique=True
    )
    op.create_table(
        "registry_persons",
        *_key("site", "pseudonym"),
        sa.Column("enterprise", sa.String(64), nullable=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("after_hours", sa.Boolean(), nullable=False),
    )
    op.create_index(
        "ix_registry_persons_site_enterprise", "registry_persons", ["site", "enterprise"]
    )
    op.create_table(
        "registry_credentials",
        sa.Column("site", sa.String(64), primary_key=True),
        sa.Column("type", sa.String(8), primary_key=True),
        sa.Column("ref", sa.String(64), primary_key=True),
        sa.Column("person", sa.String(64), nullable=False),
    )
    op.create_index(
        "ix_registry_credentials_site_person", "registry_credentials", ["site", "person"]
    )
    revision_table = op.create_table(
        "registry_revision",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=True),
    )
    op.bulk_insert(revision_table, [{"id": 1, "revision": 0, "changed_at": None}])


def downgrade() -> None:
    """Drop the registry's tables and the enrichment columns of events."""
    for table in (
        "registry_revision", "registry_credentials", "registry_persons", "registry_enterprises",
        "registry_gateway_parts", "registry_gateways", "registry_sensors",
        "registry_camera_gates", "registry_cameras", "registry_gate_devices", "registry_gates",
        "registry_buildings", "registry_sites",
    ):
        op.drop_table(table)
    op.drop_index("ix_events_enterprise_ts", table_name="events")
    # SQLite drops columns by copying the table: batch mode does that.
    with op.batch_alter_table("events") as batch:
        for name, _ in reversed(_ENRICHMENT):
            batch.drop_column(name)
