"""The hub's registry in the ledger database: CRUD by natural id and transactional imports.

A change to a site's structure or enterprises is made on the whole site document and
validated with the shared model (every reference checked) before the changed rows are
written; people, who may number in the hundred thousands, are checked against the
stored site instead. Every write bumps the registry revision first: that row's lock
serialises writers, and its new value tells each hub to rebuild its snapshot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table, update
from sqlalchemy.dialects import postgresql, sqlite

from hub.ledger.engine import WRITE_OPTION, create_ledger_engine
from hub.ledger.migrate import upgrade_to_head
from hub.ledger.schema_registry import registry_credentials, registry_persons, registry_revision
from hub.registry import queries, rows
from hub.registry.batch import ImportReport, RegistryImport
from hub.registry.edits import (
    RegistryRefused,
    changed,
    natural_key,
    parts,
    required,
    with_part,
    with_parts,
)
from hub.registry.judge import judge_credentials, judge_enterprises, judge_persons
from sitewatch.registry import (
    Building,
    CameraSpec,
    Credential,
    Enterprise,
    Gate,
    Gateway,
    Person,
    SensorSpec,
    Site,
    SiteRegistry,
)
from sitewatch.registry.base import RegistryModel

log = logging.getLogger(__name__)

Part = Building | Gate | CameraSpec | SensorSpec | Gateway | Enterprise
Entity = Site | Part | Person | Credential
E = TypeVar("E", bound=RegistryModel)
P = TypeVar("P", Person, Credential)
_CHUNK = 1000  # people written per statement, and per progress step


class RegistryStore:
    """Sites, their structure, enterprises, persons and credentials; safe to share."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None) -> None:
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE_OPTION: True})
        self._insert = sqlite.insert if engine.dialect.name == "sqlite" else postgresql.insert
        self._clock = clock or (lambda: datetime.now(UTC))
        self._listeners: list[Callable[[], object]] = []

    @classmethod
    def open(cls, url: str) -> RegistryStore:
        """A store on the ledger database at `url`; connects lazily."""
        return cls(create_ledger_engine(url))

    def migrate(self) -> None:
        """Bring the database to the newest schema (the ledger's migrations include these)."""
        upgrade_to_head(self._engine)

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def on_change(self, listener: Callable[[], object]) -> None:
        """Call `listener` after each committed change made through this store."""
        self._listeners.append(listener)

    # --- reading --------------------------------------------------------------------------

    def revision(self) -> int:
        """The registry's revision: it grows with every change, whichever process made it."""
        with self._engine.connect() as connection:
            return queries.read_revision(connection)

    def sites(self) -> list[Site]:
        """Every site, by id, with its buildings."""
        with self._engine.begin() as connection:
            found = (queries.read_site(connection, i) for i in queries.site_ids(connection))
            return [document.site for document in found if document is not None]

    def document(self, site: str, people: bool = True) -> SiteRegistry | None:
        """The whole document of a site (what `import` reads and `export` writes), or None."""
        with self._engine.begin() as connection:
            return queries.read_site(connection, site, people)

    def read_all(self) -> tuple[int, list[SiteRegistry]]:
        """The revision and every site's document with its people, read as of one moment."""
        engine = self._engine
        if engine.dialect.name == "postgresql":
            # One snapshot for all the statements (SQLite's read transaction is one already).
            engine = engine.execution_options(isolation_level="REPEATABLE READ")
        with engine.begin() as connection:
            revision = queries.read_revision(connection)
            found = [queries.read_site(connection, i, True) for i in queries.site_ids(connection)]
        return revision, [document for document in found if document is not None]

    def get(self, kind: type[E], site: str, *key: str) -> E | None:
        """One entity by natural id: `get(Site, site)`, `get(Gate, site, gate_id)`,
        `get(Person, site, pseudonym)`, `get(Credential, site, type, ref)`; None if none."""
        found: Any = None
        with self._engine.begin() as connection:
            if kind is Person or kind is Credential:
                table = registry_persons if kind is Person else registry_credentials
                row = connection.execute(queries.select_by_key(table, site, key)).mappings().first()
                if row is not None:
                    found = rows.person_of(row) if kind is Person else rows.credential_of(row)
                return found
            document = queries.read_site(connection, site)
        if document is not None:
            candidates = [document.site] if kind is Site else parts(document, kind)
            found = next((c for c in candidates if natural_key(c) == key or kind is Site), None)
        return found

    def entities(self, kind: type[E], site: str) -> list[E]:
        """Every entity of one kind in a site, by natural id (empty for an unknown site)."""
        if kind is Site:
            raise TypeError("sites() lists the sites")
        found: list[Any]
        with self._engine.begin() as connection:
            if kind is Person or kind is Credential:
                persons, credentials = queries.read_people(connection, site)
                found = list(persons if kind is Person else credentials)
                return found
            document = queries.read_site(connection, site)
        found = [] if document is None else sorted(parts(document, kind), key=natural_key)
        return found

    def people(
        self, kind: type[P], site: str, after: Sequence[str] = (), limit: int = 100
    ) -> list[P]:
        """A page of a site's persons (by pseudonym) or credentials (by type, ref): those
        after the key `after`, at most `limit`; a site may have a hundred thousand."""
        table = registry_persons if kind is Person else registry_credentials
        with self._engine.begin() as connection:
            found = queries.people_page(connection, table, site, after, limit)
        convert: Any = rows.person_of if kind is Person else rows.credential_of
        return [convert(row) for row in found]

    # --- writing --------------------------------------------------------------------------

    def upsert(self, site: str, entity: Entity) -> None:
        """Add or replace an entity by natural id; RegistryRefused if it would not fit."""
        with self._writing() as connection:
            if isinstance(entity, Person | Credential):
                self._upsert_person_or_credential(connection, site, entity)
                return
            old = queries.read_site(connection, site)
            if isinstance(entity, Site):
                if entity.id != site:
                    raise RegistryRefused(f"site {entity.id!r} cannot be stored as {site!r}")
                new = changed(old, site=entity)
            else:
                new = with_part(required(old, site), entity)
            self._write_site(connection, old, new)

    def delete(self, kind: type[Entity], site: str, *key: str) -> bool:
        """Delete an entity (a person with their credentials, a site with everything in it);
        False if there was none; RegistryRefused if something still refers to it."""
        with self._writing() as connection:
            if kind is Credential:
                return queries.delete_rows(connection, registry_credentials, site, key) > 0
            if kind is Person:
                queries.delete_rows(connection, registry_credentials, site, person=key[0])
                return queries.delete_rows(connection, registry_persons, site, key) > 0
            old = queries.read_site(connection, site)
            if old is None:
                return False
            if kind is Site:
                for table in (*rows.SITE_TABLES[1:], registry_persons, registry_credentials):
                    queries.delete_rows(connection, table, site)
                queries.delete_keys(connection, rows.SITE_TABLES[0], [(site,)])
                return True
            items = parts(old, kind)
            remaining = [item for item in items if natural_key(item) != key]
            if len(remaining) == len(items):
                return False
            if kind is Enterprise and (staff := queries.count_persons(connection, site, key[0])):
                raise RegistryRefused(f"enterprise {key[0]!r} still has {staff} persons")
            self._write_site(connection, old, with_parts(old, kind, remaining))
            return True

    def apply(
        self, batch: RegistryImport, progress: Callable[[int], object] | None = None
    ) -> ImportReport:
        """Import in one transaction: the document (if any) whole, then every item that fits.

        Rejected rows are reported, not raised; `progress` hears how many items were done.
        """
        advance = progress or (lambda _n: None)
        with self._writing() as connection:
            old = queries.read_site(connection, batch.site)
            site = old if batch.document is None else _merged(batch.site, batch.document, old)
            site = required(site, batch.site)
            enterprises, rejected = judge_enterprises(site, batch.enterprises)
            if enterprises:
                fresh = {e.id for e in enterprises}
                kept = [e for e in site.enterprises if e.id not in fresh]
                site = changed(site, enterprises=[*kept, *enterprises])
            self._write_site(connection, old, site)
            advance(len(batch.enterprises))

            persons, refused = judge_persons({e.id for e in site.enterprises}, batch.persons)
            rejected += refused
            self._write_people(connection, batch.site, persons, advance)
            advance(len(batch.persons) - len(persons))
            known = queries.pseudonyms(connection, batch.site)
            credentials, refused = judge_credentials(known, batch.credentials)
            rejected += refused
            self._write_people(connection, batch.site, credentials, advance)
            advance(len(batch.credentials) - len(credentials))
        return ImportReport(
            site=batch.site,
            structure=batch.document is not None,
            imported={
                "enterprise": len(enterprises) + _enterprises_in(batch.document),
                "person": len(persons),
                "credential": len(credentials),
            },
            rejected=tuple(sorted([*batch.rejected, *rejected], key=lambda r: (r.kind, r.row))),
        )

    # --- inside a write transaction -------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self._writer.begin() as connection:
            connection.execute(
                update(registry_revision)
                .where(registry_revision.c.id == 1)
                .values(revision=registry_revision.c.revision + 1, changed_at=self._clock())
            )
            yield connection
        for listener in self._listeners:
            try:
                listener()
            except Exception:  # the change is committed; a listener's failure cannot undo it
                log.exception("registry change listener failed")

    def _write_site(
        self, connection: Connection, old: SiteRegistry | None, new: SiteRegistry
    ) -> None:
        """Write only what differs between two versions of a site: rows gone, then changed."""
        before = rows.site_rows(old) if old is not None else {}
        after = rows.site_rows(new)
        for table in rows.SITE_TABLES:
            if gone := [key for key in before.get(table, {}) if key not in after[table]]:
                queries.delete_keys(connection, table, gone)
        for table in rows.SITE_TABLES:
            earlier = before.get(table, {})
            if new_rows := [row for key, row in after[table].items() if earlier.get(key) != row]:
                connection.execute(self._upsert(table), new_rows)

    def _upsert_person_or_credential(
        self, connection: Connection, site: str, item: Person | Credential
    ) -> None:
        if isinstance(item, Person):
            document = required(queries.read_site(connection, site), site)
            if item.enterprise and item.enterprise not in {e.id for e in document.enterprises}:
                raise RegistryRefused(f"unknown enterprise {item.enterprise!r}")
        elif item.person not in queries.pseudonyms(connection, site):
            raise RegistryRefused(f"unknown person {item.person}")
        self._write_people(connection, site, [item], lambda _n: None)

    def _write_people(
        self,
        connection: Connection,
        site: str,
        people: Sequence[Person | Credential],
        advance: Callable[[int], object],
    ) -> None:
        for start in range(0, len(people), _CHUNK):
            chunk = people[start : start + _CHUNK]
            persons = [rows.person_row(site, p) for p in chunk if isinstance(p, Person)]
            credentials = [rows.credential_row(site, c) for c in chunk if isinstance(c, Credential)]
            if persons:
                connection.execute(self._upsert(registry_persons), persons)
            if credentials:
                connection.execute(self._upsert(registry_credentials), credentials)
            advance(len(chunk))

    def _upsert(self, table: Table) -> Any:
        """INSERT … ON CONFLICT (primary key) DO UPDATE the other columns."""
        statement = self._insert(table)
        keys = [column.name for column in table.primary_key.columns]
        others = [column.name for column in table.columns if column.name not in keys]
        if not others:
            return statement.on_conflict_do_nothing(index_elements=keys)
        return statement.on_conflict_do_update(
            index_elements=keys, set_={name: statement.excluded[name] for name in others}
        )


def _merged(site: str, document: SiteRegistry, old: SiteRegistry | None) -> SiteRegistry:
    """An imported document's structure and enterprises, plus the stored enterprises it omits."""
    if document.site.id != site:
        raise RegistryRefused(f"the document describes site {document.site.id!r}, not {site!r}")
    named = {e.id for e in document.enterprises}
    kept = [] if old is None else [e for e in old.enterprises if e.id not in named]
    return changed(
        document, enterprises=[*document.enterprises, *kept], persons=[], credentials=[],
        simulation=None,
    )


def _enterprises_in(document: SiteRegistry | None) -> int:
    return 0 if document is None else len(document.enterprises)


def open_and_import(url: str, batch: RegistryImport) -> ImportReport:
    """Migrate the database at `url` and import `batch` into its registry (set-up code)."""
    store = RegistryStore.open(url)
    try:
        store.migrate()
        return store.apply(batch)
    finally:
        store.close()
