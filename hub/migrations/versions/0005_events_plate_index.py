"""A partial index on events' plates, for searches by number plate.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here as migrations are, rather than imported from hub.ledger.schema.
HAS_PLATE = sa.text("plate IS NOT NULL")


def upgrade() -> None:
    """Index (plate, ts) of vehicle events only: a plate is a needle in months of events."""
    op.create_index(
        "ix_events_plate_ts", "events", ["plate", "ts"],
        sqlite_where=HAS_PLATE, postgresql_where=HAS_PLATE,
    )


def downgrade() -> None:
    """Drop the plate index."""
    op.drop_index("ix_events_plate_ts", table_name="events")
