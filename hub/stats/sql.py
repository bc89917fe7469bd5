"""SQL helpers the stats stores share: an upsert on either engine."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite


def upsert(dialect: str, table: Table, keep: tuple[str, ...] = ()) -> Any:
    """INSERT … ON CONFLICT (primary key) DO UPDATE every other column but those in `keep`."""
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    keys = [column.name for column in table.primary_key.columns]
    others = [c.name for c in table.columns if c.name not in keys and c.name not in keep]
    if not others:
        return statement.on_conflict_do_nothing(index_elements=keys)
    return statement.on_conflict_do_update(
        index_elements=keys, set_={name: statement.excluded[name] for name in others}
    )


def insert_ignore(dialect: str, table: Table) -> Any:
    """INSERT … ON CONFLICT (primary key) DO NOTHING."""
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return statement.on_conflict_do_nothing(
        index_elements=[column.name for column in table.primary_key.columns]
    )
