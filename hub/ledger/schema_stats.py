"""Tables of the derived figures and tenant records, on the ledger's `metadata`; migration 0005.

Daily enterprise figures, tenant records (rent, complaints, disputes), the status history
the site grade is measured from, and each enterprise's stability colour with its history.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from hub.ledger.schema import metadata
from hub.ledger.types import UtcDateTime


def _serial() -> Column[int]:
    # BIGINT on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
    return Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )


# One row per enterprise per local day of its site, rewritten while the day lasts.
enterprise_daily = Table(
    "enterprise_daily",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("enterprise", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("headcount", Integer, nullable=False),  # distinct employees seen active
    Column("visitors", Integer, nullable=False),  # distinct visitors seen active
    Column("entries", Integer, nullable=False),
    Column("after_hours_entries", Integer, nullable=False),
    Column("denied", Integer, nullable=False),
    Column("computed_at", UtcDateTime, nullable=False),
    Index("ix_enterprise_daily_site_day", "site", "day"),
)

tenant_rent = Table(
    "tenant_rent",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("enterprise", String(64), primary_key=True),
    Column("due_date", Date, primary_key=True),
    Column("amount_cents", BigInteger, nullable=False),  # integer cents: money is not a float
    Column("paid_date", Date, nullable=True),
    Column("note", Text, nullable=True),
)

tenant_complaints = Table(
    "tenant_complaints",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("enterprise", String(64), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("category", String(32), nullable=False),
    Column("summary", Text, nullable=True),
    Column("closed_on", Date, nullable=True),
    Index("ix_tenant_complaints_site_enterprise", "site", "enterprise"),
)

tenant_disputes = Table(
    "tenant_disputes",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("enterprise", String(64), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("summary", Text, nullable=True),
    Column("resolved_on", Date, nullable=True),
    Index("ix_tenant_disputes_site_enterprise", "site", "enterprise"),
)

# State changes only: uptime is the time between an online row and the next offline one.
gateway_status_log = Table(
    "gateway_status_log",
    metadata,
    _serial(),
    Column("site", String(64), nullable=False),
    Column("gateway", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("state", String(16), nullable=False),
    Index("ix_gateway_status_log_site_gateway_at", "site", "gateway", "at"),
)

# Health reports' per-camera `online` flag, sampled; keyed by the report's time, so two
# replicas sampling the same report store it once.
camera_samples = Table(
    "camera_samples",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("camera", String(128), primary_key=True),
    Column("at", UtcDateTime, primary_key=True),
    Column("gateway", String(64), nullable=False),
    Column("online", Boolean, nullable=False),
    Index("ix_camera_samples_site_at", "site", "at"),
)

enterprise_colours = Table(
    "enterprise_colours",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("enterprise", String(64), primary_key=True),
    Column("colour", String(8), nullable=False),  # in force: the override's, else assessed
    Column("assessed_colour", String(8), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("assessed_at", UtcDateTime, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),  # when `colour` last changed
    Column("override_colour", String(8), nullable=True),
    Column("override_reason", Text, nullable=True),
    Column("override_by", String(64), nullable=True),
    Column("override_at", UtcDateTime, nullable=True),
    Column("override_until", UtcDateTime, nullable=True),
)

enterprise_colour_history = Table(
    "enterprise_colour_history",
    metadata,
    _serial(),
    Column("site", String(64), nullable=False),
    Column("enterprise", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("colour", String(8), nullable=False),
    Column("previous", String(8), nullable=True),
    # assessment, override, override_cleared or override_expired
    Column("source", String(20), nullable=False),
    Column("actor", String(64), nullable=True),
    Column("reasons", JSON, nullable=False),
    Index("ix_enterprise_colour_history_site_enterprise_id", "site", "enterprise", "id"),
)
