"""Alembic environment of the ledger; `hub.ledger.migrate` runs it without an alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from hub.ledger.engine import create_ledger_engine
from hub.ledger.schema import metadata


def _run(connection: Connection) -> None:
    # Batch mode: SQLite can only ALTER a table by copying it, which later revisions need.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # Run by hand (e.g. `alembic revision --autogenerate`) with sqlalchemy.url set.
    engine = create_ledger_engine(context.config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    _run_online()
