"""SQL of the registry store: read a site's rows into its document, find and delete rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, Table, and_, bindparam, delete, func, select, tuple_

from hub.ledger.schema_registry import (
    registry_credentials,
    registry_persons,
    registry_revision,
    registry_sites,
)
from hub.registry import rows
from sitewatch.registry import Credential, Person, SiteRegistry


def read_revision(connection: Connection) -> int:
    """The registry's revision counter."""
    return int(connection.execute(select(registry_revision.c.revision)).scalar_one())


def site_ids(connection: Connection) -> list[str]:
    """Ids of every site, in order."""
    query = select(registry_sites.c.id).order_by(registry_sites.c.id)
    return list(connection.execute(query).scalars())


def read_site(connection: Connection, site: str, people: bool = False) -> SiteRegistry | None:
    """A site's document, with its persons and credentials if `people`; None if unknown."""
    found = connection.execute(select(registry_sites).where(registry_sites.c.id == site))
    site_row = found.mappings().first()
    if site_row is None:
        return None
    tables = {
        table: connection.execute(select(table).where(table.c.site == site)).mappings().all()
        for table in rows.SITE_TABLES[1:]
    }
    persons, credentials = read_people(connection, site) if people else ([], [])
    return rows.site_document(site_row, tables, persons, credentials)


def read_people(connection: Connection, site: str) -> tuple[list[Person], list[Credential]]:
    """A site's persons by pseudonym and credentials by (type, ref)."""
    persons = connection.execute(
        select(registry_persons)
        .where(registry_persons.c.site == site)
        .order_by(registry_persons.c.pseudonym)
    )
    credentials = connection.execute(
        select(registry_credentials)
        .where(registry_credentials.c.site == site)
        .order_by(registry_credentials.c.type, registry_credentials.c.ref)
    )
    return (
        [rows.person_of(row) for row in persons.mappings()],
        [rows.credential_of(row) for row in credentials.mappings()],
    )


def people_page(
    connection: Connection, table: Table, site: str, after: Sequence[str], limit: int
) -> list[RowMapping]:
    """Rows of a site's persons or credentials in key order, those after `after` (a key)."""
    columns = [c for c in table.primary_key.columns if c.name != "site"]
    statement = select(table).where(table.c.site == site).order_by(*columns).limit(limit)
    if after:
        statement = statement.where(tuple_(*columns) > tuple_(*after))
    return list(connection.execute(statement).mappings())


def pseudonyms(connection: Connection, site: str) -> set[str]:
    """The pseudonyms of a site's persons."""
    query = select(registry_persons.c.pseudonym).where(registry_persons.c.site == site)
    return set(connection.execute(query).scalars())


def count_persons(connection: Connection, site: str, enterprise: str) -> int:
    """How many persons of a site belong to an enterprise."""
    query = select(func.count()).where(
        registry_persons.c.site == site, registry_persons.c.enterprise == enterprise
    )
    return int(connection.execute(query).scalar_one())


def select_by_key(table: Table, site: str, key: Sequence[str]) -> Any:
    """SELECT of the row of `table` with this natural key (its primary key after `site`)."""
    return _where_key(select(table).where(table.c.site == site), table, key)


def delete_rows(
    connection: Connection, table: Table, site: str, key: Sequence[str] = (), **equal: str
) -> int:
    """Delete a site's rows of `table` (only the one with `key`, if given); how many went."""
    statement = delete(table).where(
        table.c.site == site, *(table.c[name] == value for name, value in equal.items())
    )
    if key:
        statement = _where_key(statement, table, key)
    return int(connection.execute(statement).rowcount)


def delete_keys(connection: Connection, table: Table, keys: list[rows.Key]) -> None:
    """Delete the rows of `table` with these full primary keys."""
    columns = list(table.primary_key.columns)
    statement = delete(table).where(and_(*(c == bindparam(f"k_{c.name}") for c in columns)))
    connection.execute(
        statement, [{f"k_{c.name}": v for c, v in zip(columns, key, strict=True)} for key in keys]
    )


def _where_key(statement: Any, table: Table, key: Sequence[str]) -> Any:
    columns = [c for c in table.primary_key.columns if c.name != "site"]
    if len(key) != len(columns):
        raise TypeError(f"{table.name} is keyed by {', '.join(c.name for c in columns)}")
    return statement.where(*(c == value for c, value in zip(columns, key, strict=True)))
