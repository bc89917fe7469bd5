"""Tenant records in the ledger database: transactional imports, reads per enterprise."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, Table, select

from hub.ledger.engine import WRITE_OPTION
from hub.ledger.schema_registry import registry_enterprises, registry_sites
from hub.ledger.schema_stats import tenant_complaints, tenant_disputes, tenant_rent
from hub.registry.edits import RegistryRefused
from hub.stats.sql import upsert
from hub.stats.tenant_records import (
    Complaint,
    Dispute,
    RecordKind,
    RecordRejection,
    RentPayment,
    TenantRecord,
    TenantRecords,
    TenantRecordsImport,
    TenantRecordsReport,
)

_TABLES: dict[RecordKind, Table] = {
    "rent": tenant_rent, "complaints": tenant_complaints, "disputes": tenant_disputes,
}


class TenantRecordStore:
    """Rent payments, complaints and disputes of the registry's enterprises. Thread-safe."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE_OPTION: True})
        self._dialect = engine.dialect.name

    def apply(self, batch: TenantRecordsImport) -> TenantRecordsReport:
        """Import in one transaction every row that fits; the rest are reported, not raised.

        Rows add or update by natural key (rent: enterprise and due date; complaints and
        disputes: their id); a row of an unknown enterprise, or a key repeated in the
        file, is rejected. RegistryRefused if the site is unknown.
        """
        rejected = list(batch.rejected)
        with self._writer.begin() as connection:
            known = _enterprises(connection, batch.site)
            rows: dict[str, dict[str, Any]] = {}
            first_row: dict[str, int] = {}
            for number, item in batch.items:
                key = _key(item)
                if item.enterprise not in known:
                    reason = f"unknown enterprise {item.enterprise!r}"
                elif key in rows:
                    reason = f"duplicate of row {first_row[key]}"
                else:
                    rows[key], first_row[key] = _row(batch.site, item), number
                    continue
                rejected.append(RecordRejection(batch.kind, number, key, reason))
            if rows:
                connection.execute(upsert(self._dialect, _TABLES[batch.kind]), list(rows.values()))
        return TenantRecordsReport(
            site=batch.site,
            imported={batch.kind: len(rows)},
            rejected=tuple(sorted(rejected, key=lambda r: r.row)),
        )

    def records(self, site: str, enterprise: str) -> TenantRecords:
        """One enterprise's records."""
        return self.site_records(site, [enterprise]).get(enterprise, TenantRecords())

    def site_records(
        self, site: str, enterprises: Iterable[str] | None = None
    ) -> dict[str, TenantRecords]:
        """Records of a site's enterprises (all, or these), by enterprise id."""
        wanted = None if enterprises is None else list(enterprises)
        found: dict[str, dict[str, list[Any]]] = {}
        with self._engine.begin() as connection:
            for kind, table in _TABLES.items():
                query = select(table).where(table.c.site == site)
                if wanted is not None:
                    query = query.where(table.c.enterprise.in_(wanted))
                order = table.c.due_date if kind == "rent" else table.c.id
                for row in connection.execute(query.order_by(order)).mappings():
                    lists = found.setdefault(row["enterprise"], {k: [] for k in _TABLES})
                    lists[kind].append(_item(kind, row))
        return {
            enterprise: TenantRecords(
                tuple(lists["rent"]), tuple(lists["complaints"]), tuple(lists["disputes"])
            )
            for enterprise, lists in found.items()
        }


def _enterprises(connection: Connection, site: str) -> set[str]:
    found = select(registry_sites.c.id).where(registry_sites.c.id == site)
    if connection.execute(found).first() is None:
        raise RegistryRefused(f"no site {site!r} in the registry")
    query = select(registry_enterprises.c.id).where(registry_enterprises.c.site == site)
    return set(connection.execute(query).scalars())


def _key(item: TenantRecord) -> str:
    """The natural key a rejection names: `enterprise/due date` for rent, else the id."""
    if isinstance(item, RentPayment):
        return f"{item.enterprise}/{item.due_date.isoformat()}"
    return item.id


def _row(site: str, item: TenantRecord) -> dict[str, Any]:
    values = item.model_dump()
    if isinstance(item, RentPayment):
        values.pop("amount")
        values["amount_cents"] = item.amount_cents
    return {"site": site, **values}


def _item(kind: RecordKind, row: Any) -> TenantRecord:
    values = {k: v for k, v in dict(row).items() if k != "site"}
    if kind == "rent":
        values["amount"] = Decimal(values.pop("amount_cents")) / 100
        return RentPayment.model_validate(values)
    if kind == "complaints":
        return Complaint.model_validate(values)
    return Dispute.model_validate(values)
