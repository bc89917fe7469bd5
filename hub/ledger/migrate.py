"""Bring a ledger database to the newest schema with Alembic, no alembic.ini needed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from hub.ledger.engine import WRITE_OPTION, create_ledger_engine
from hub.ledger.schema import metadata

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

# Any constant shared by all hub replicas: they serialise their upgrades on it.
_PG_MIGRATION_LOCK = 0x5157_4C45


def alembic_config() -> Config:
    """An Alembic config pointing at the hub's migrations package directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Apply every pending revision in one transaction; a no-op when already at head."""
    config = alembic_config()
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
        if connection.dialect.name == "postgresql":
            # Replicas starting together would otherwise race to CREATE the same tables.
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_drift(url: str) -> list[str]:
    """Differences between the database at `url` and the ledger's tables (empty: in step)."""
    engine = create_ledger_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            return [repr(diff) for diff in compare_metadata(context, metadata)]
    finally:
        engine.dispose()
