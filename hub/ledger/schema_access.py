"""Tables of access control and the audit log, on the ledger's `metadata`.

Migration 0002 creates exactly these; `hub.ledger.schema` imports this module so that
`metadata` is complete wherever it is used.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, Integer, String, Table, Text

from hub.ledger.schema import metadata
from hub.ledger.types import UtcDateTime

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(32), nullable=False),
    Column("sites", JSON, nullable=False),  # a list of site ids; empty unless property_manager
    Column("disabled", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    # Not the database's autoincrement: a PostgreSQL sequence skips a number whenever an
    # append rolls back, and a gap must mean a deleted entry. Appends take id = head + 1
    # under the head's lock instead, so ids are 1, 2, 3, … without holes.
    Column(
        "id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("ts", UtcDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", Text, nullable=True),
    Column("detail", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# One row (id 1): how many entries the log has and the hash of the last. Updated in the
# same transaction as each append, it is what shows that entries were cut off the end,
# which the chain alone cannot; and its row lock is what serialises appends.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("entries", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
)
