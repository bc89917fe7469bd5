"""Tables of the site registry, on the ledger's `metadata`; migration 0003 creates them.

Every row belongs to a site and is keyed by its natural id within it, as the registry
files name things. No foreign keys: the registry store validates a whole site (with the
shared pydantic model) before it writes, under the revision row's lock.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
)

from hub.ledger.schema import metadata
from hub.ledger.types import UtcDateTime

registry_sites = Table(
    "registry_sites",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("address", Text, nullable=True),
)

registry_buildings = Table(
    "registry_buildings",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("floors", Integer, nullable=False),
    Column("basement_levels", Integer, nullable=False),
    Column("capacity", Integer, nullable=True),
)

registry_gates = Table(
    "registry_gates",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("building", String(64), nullable=True),
    Column("floor", Integer, nullable=True),
)

# Scanners, place codes, readers and plate cameras of the gates: one namespace per site.
registry_gate_devices = Table(
    "registry_gate_devices",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("gate", String(64), nullable=False),
    Column("role", String(16), nullable=False),  # sentinel, place_code, reader, plate_camera
    Column("direction", String(4), nullable=True),  # readers and plate cameras only
)

registry_cameras = Table(
    "registry_cameras",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("building", String(64), nullable=True),
    Column("floor", Integer, nullable=True),
    Column("zone", String(64), nullable=True),
    Column("analytics", String(128), nullable=False),  # comma-separated, e.g. person,crowd
)

registry_camera_gates = Table(
    "registry_camera_gates",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("camera", String(64), primary_key=True),
    Column("gate", String(64), primary_key=True),
)

registry_sensors = Table(
    "registry_sensors",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("metric", String(64), nullable=False),
    Column("building", String(64), nullable=True),
    Column("floor", Integer, nullable=True),
    Column("unit", String(16), nullable=True),
)

registry_gateways = Table(
    "registry_gateways",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
)

# What each gateway serves: gates (with their devices and cameras), other cameras, sensors.
registry_gateway_parts = Table(
    "registry_gateway_parts",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("gateway", String(64), primary_key=True),
    Column("part_kind", String(8), primary_key=True),  # gate, camera or sensor
    Column("part", String(64), primary_key=True),
)

registry_enterprises = Table(
    "registry_enterprises",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("building", String(64), nullable=False),
    Column("floor", Integer, nullable=False),
    Column("headcount", Integer, nullable=False),
    Column("work_start", Time, nullable=False),
    Column("work_end", Time, nullable=False),
    Column("work_days", String(27), nullable=False),  # comma-separated, e.g. mon,tue,wed
    Column("visitors_per_day", Float, nullable=False),
    Column("after_hours_share", Float, nullable=False),
    Column("lease_start", Date, nullable=True),
    Column("lease_end", Date, nullable=True),
    Column("contact", String(200), nullable=True),
    Column("property_grade", String(16), nullable=True),
    Column("notes", Text, nullable=True),
    Index("ux_registry_enterprises_site_uscc", "site", "uscc", unique=True),
)

registry_persons = Table(
    "registry_persons",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("pseudonym", String(64), primary_key=True),
    Column("enterprise", String(64), nullable=True),
    Column("type", String(16), nullable=False),
    Column("after_hours", Boolean, nullable=False),
    Index("ix_registry_persons_site_enterprise", "site", "enterprise"),
)

registry_credentials = Table(
    "registry_credentials",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("type", String(8), primary_key=True),
    Column("ref", String(64), primary_key=True),
    Column("person", String(64), nullable=False),
    Index("ix_registry_credentials_site_person", "site", "person"),
)

# One row: bumped by every registry change, so hubs (and their snapshots) see a change made
# by another process; updating it first also serialises registry writers.
registry_revision = Table(
    "registry_revision",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("revision", BigInteger, nullable=False),
    Column("changed_at", UtcDateTime, nullable=True),
)
